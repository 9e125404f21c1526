import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import type { LikeCoinConfig } from '../../src/config';
import { HttpProblem } from '../../src/http/http-problem';
import { likeCoinProvider } from '../../src/likecoin/likecoin-provider';
import { createLogger } from '../../src/log/create-logger';
import {
  GrantRefresher,
  type RefreshOutcome,
  type RefusedGrant,
  type RefresherDeps,
} from '../../src/oauth/grant-refresher';
import { GrantStore, type StoredGrant } from '../../src/oauth/grant-store';
import type { GrantedTokens, OAuthProvider } from '../../src/oauth/provider';
import {
  tokenEndpointClient,
  type TokenEndpointClient,
} from '../../src/oauth/token-endpoint-client';
import { MemoryKv } from '../../src/store/memory-kv';
import { SealedBox } from '../../src/store/sealed-box';
import {
  behaviourOf,
  LIKECOIN_MODES,
  startLikeCoinStandIn,
  type LikeCoinStandIn,
} from '../support/likecoin-stand-in';
import { LogCapture } from '../support/log-capture';

const CREDENTIALS = { clientId: 'bff-client', clientSecret: 'bff-secret' };
const REDIRECT_URI = 'http://127.0.0.1:8080/likecoin/callback';
const USER = 'alice-liker';
const TOKEN_PATH = '/oauth/access_token';
const MARGIN_MS = 60_000;
const RETRY_AFTER_SECONDS = 7;

let standIn: LikeCoinStandIn;
let dispatcher: Agent;
let provider: OAuthProvider;

function configFor(standInUrl: LikeCoinStandIn): LikeCoinConfig {
  return {
    credentials: CREDENTIALS,
    redirectUri: new URL(REDIRECT_URI),
    scopes: ['profile', 'email'],
    authorizeUrl: new URL(standInUrl.authorizeUrl),
    tokenUrl: new URL(standInUrl.tokenUrl),
    apiUrl: new URL(standInUrl.apiUrl),
    apiPaths: ['/users/'],
    pkce: false,
    stateTtlSeconds: 600,
    timeoutMs: 2000,
  };
}

function clientWith(timeoutMs: number): TokenEndpointClient {
  return tokenEndpointClient({
    provider,
    dispatcher,
    timeoutMs,
    maxResponseBytes: 64 * 1024,
    now: Date.now,
  });
}

/** What the refresher reported through its hooks. */
interface Reports {
  refreshes: RefreshOutcome[];
  waits: number;
  refusedSessions: number[];
}

let kv: MemoryKv;
let box: SealedBox;
let grants: GrantStore;
let reports: Reports;
let logs: LogCapture;

function newGrantStore(): GrantStore {
  return new GrantStore(kv, box, { namespace: 'likecoin', ttlMs: 3600_000, cacheEntries: 100 });
}

function refresherWith(overrides: Partial<RefresherDeps> = {}): GrantRefresher {
  const tokenTimeoutMs = overrides.tokenTimeoutMs ?? 2000;
  const deps = {
    provider,
    grants,
    tokenClient: clientWith(tokenTimeoutMs),
    now: Date.now,
    tokenTimeoutMs,
    refreshMarginMs: MARGIN_MS,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    // The refresh guards (cooldown after a refresh, per-grant budget) are off here: their own
    // tests cover them, and these cases count every token call.
    rejectionCooldownMs: 0,
    countRefresh: () => Promise.resolve(),
    onRefresh: (outcome: RefreshOutcome) => void reports.refreshes.push(outcome),
    onWait: () => void (reports.waits += 1),
    onGrantRefused: ({ linked }: RefusedGrant) => void reports.refusedSessions.push(linked),
    log: createLogger('info', logs.stream),
    ...overrides,
  };
  return new GrantRefresher(deps);
}

/** Real tokens from the stand-in, by a code exchange. */
async function exchange(): Promise<GrantedTokens> {
  const code = standIn.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'], user: USER });
  return clientWith(2000).exchangeCode(code, ['profile']);
}

/** Connects USER's grant for session-1; `stale` stores it as expiring inside the margin. */
async function connect(
  opts: { stale?: boolean } = {},
): Promise<{ grantId: string; stored: StoredGrant }> {
  const tokens = await exchange();
  const kept = opts.stale ? { ...tokens, expiresAt: Date.now() + 1000 } : tokens;
  const { grantId } = await grants.connect(kept, 'session-1', Date.now() + 60_000);
  const stored = await grants.read(grantId);
  if (!stored) throw new Error('the grant was not stored');
  return { grantId, stored };
}

/** Token-endpoint requests the stand-in received while `run` ran. */
async function tokenCallsDuring<T>(run: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const before = standIn.count(TOKEN_PATH);
  const result = await run();
  return { result, calls: standIn.count(TOKEN_PATH) - before };
}

async function problemOf(call: Promise<unknown>): Promise<HttpProblem> {
  const err = await call.then(
    () => {
      throw new Error('expected an HttpProblem');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpProblem);
  return err as HttpProblem;
}

describe.each(LIKECOIN_MODES)('against LikeCoin (%s)', (mode) => {
  beforeAll(async () => {
    standIn = await startLikeCoinStandIn({
      clientId: CREDENTIALS.clientId,
      clientSecret: CREDENTIALS.clientSecret,
      redirectUris: [REDIRECT_URI],
      mode,
    });
    dispatcher = new Agent({ connections: 8 });
    provider = likeCoinProvider(configFor(standIn), CREDENTIALS);
  });

  afterAll(async () => {
    await dispatcher.close();
    await standIn.close();
  });

  beforeEach(() => {
    standIn.behaviour = behaviourOf(mode);
    kv = new MemoryKv();
    box = new SealedBox([randomBytes(32)]);
    grants = newGrantStore();
    reports = { refreshes: [], waits: 0, refusedSessions: [] };
    logs = new LogCapture();
  });

  describe('GrantRefresher.usable', () => {
    it('uses fresh tokens as they are, without a token call', async () => {
      const { grantId, stored } = await connect();
      const refresher = refresherWith();
      const { result, calls } = await tokenCallsDuring(() => refresher.usable(grantId, stored));
      expect(result).toBe(stored.tokens);
      expect(calls).toBe(0);
      expect(reports).toEqual({ refreshes: [], waits: 0, refusedSessions: [] });
    });

    it('refreshes tokens inside the margin once for 20 concurrent callers', async () => {
      const { grantId, stored } = await connect({ stale: true });
      const refresher = refresherWith();
      const { result, calls } = await tokenCallsDuring(() =>
        Promise.all(Array.from({ length: 20 }, () => refresher.usable(grantId, stored))),
      );
      expect(calls).toBe(1);
      const tokens = new Set(result.map((t) => t.accessToken));
      expect(tokens.size).toBe(1);
      expect(tokens.has(stored.tokens.accessToken)).toBe(false);
      expect(result[0]!.refreshToken).toBe(standIn.liveRefreshToken(USER));
      expect(result[0]!.expiresAt - Date.now()).toBeGreaterThan(MARGIN_MS);
      expect(reports.refreshes).toEqual(['ok']);
      expect(reports.waits).toBe(19);
      // Stored for the next caller and every other instance.
      expect((await grants.read(grantId))?.tokens).toEqual(result[0]);
      expect(await kv.get(grants.keysOf(grantId).lock)).toBeNull();
    });

    it('refreshes once across two instances sharing the store', async () => {
      const { grantId, stored } = await connect({ stale: true });
      const a = refresherWith();
      const b = refresherWith({ grants: newGrantStore() });
      standIn.behaviour.tokenDelayMs = 200;
      const { result, calls } = await tokenCallsDuring(() =>
        Promise.all([
          ...Array.from({ length: 10 }, () => a.usable(grantId, stored)),
          ...Array.from({ length: 10 }, () => b.usable(grantId, stored)),
        ]),
      );
      expect(calls).toBe(1);
      expect(new Set(result.map((t) => t.accessToken)).size).toBe(1);
      expect(reports.refreshes).toEqual(['ok']);
      // 9 + 9 in-process waits, and the other instance's first caller, which waited on the lock.
      expect(reports.waits).toBe(19);
    });

    it('answers 401 reauthorization_required for a grant that is gone', async () => {
      const { grantId, stored } = await connect({ stale: true });
      await grants.forget(grantId);
      const refresher = refresherWith();
      const { result: problem, calls } = await tokenCallsDuring(() =>
        problemOf(refresher.usable(grantId, stored)),
      );
      expect(problem.status).toBe(401);
      expect(problem.code).toBe('likecoin_reauthorization_required');
      expect(calls).toBe(0);
    });
  });

  describe('GrantRefresher.afterRejection', () => {
    it('returns the stored newer tokens for a stale access token, without a call', async () => {
      const { grantId, stored: first } = await connect();
      const { stored: second } = await connect();
      expect(second.tokens.accessToken).not.toBe(first.tokens.accessToken);
      const refresher = refresherWith();
      const { result, calls } = await tokenCallsDuring(() =>
        refresher.afterRejection(grantId, first.tokens.accessToken),
      );
      expect(result).toEqual(second.tokens);
      expect(calls).toBe(0);
      expect(reports.refreshes).toEqual([]);
    });

    it('refreshes when the rejected token is the stored one, even if not yet expiring', async () => {
      const { grantId, stored } = await connect();
      const refresher = refresherWith();
      const { result, calls } = await tokenCallsDuring(() =>
        refresher.afterRejection(grantId, stored.tokens.accessToken),
      );
      expect(calls).toBe(1);
      expect(result.accessToken).not.toBe(stored.tokens.accessToken);
      expect(reports.refreshes).toEqual(['ok']);
    });
  });

  describe('a refresh that fails', () => {
    it('refused by the provider ⇒ 401 reauthorization_required, the grant forgotten', async () => {
      const { grantId, stored } = await connect({ stale: true });
      await grants.link(grantId, 'session-2', Date.now() + 60_000);
      standIn.revokeRefreshTokens(USER);
      const refresher = refresherWith();
      const problem = await problemOf(refresher.usable(grantId, stored));
      expect(problem.status).toBe(401);
      expect(problem.code).toBe('likecoin_reauthorization_required');
      expect(reports.refreshes).toEqual(['refused']);
      expect(reports.refusedSessions).toEqual([2]);
      expect(await grants.read(grantId)).toBeUndefined();
      expect(await grants.linkedSessions(grantId)).toEqual([]);
      // And the next caller learns it without asking the provider again.
      const { result: again, calls } = await tokenCallsDuring(() =>
        problemOf(refresher.usable(grantId, stored)),
      );
      expect(again.code).toBe('likecoin_reauthorization_required');
      expect(calls).toBe(0);
      expect(reports.refusedSessions).toEqual([2]);
    });

    it('a 500 ⇒ 503 provider_unavailable with Retry-After, the tokens kept', async () => {
      const { grantId, stored } = await connect({ stale: true });
      standIn.behaviour.token = 'server_error';
      const refresher = refresherWith();
      const problem = await problemOf(refresher.usable(grantId, stored));
      expect(problem.status).toBe(503);
      expect(problem.code).toBe('provider_unavailable');
      expect(problem.headers).toEqual({ 'Retry-After': String(RETRY_AFTER_SECONDS) });
      expect(reports.refreshes).toEqual(['provider_error']);
      expect(reports.refusedSessions).toEqual([]);
      const kept = await grants.read(grantId);
      expect(kept?.version).toBe(stored.version);
      expect(await kv.get(grants.keysOf(grantId).lock)).toBeNull();
      // The refresh token was never rotated: once the provider is back, the grant still works.
      standIn.behaviour.token = 'ok';
      const tokens = await refresher.usable(grantId, stored);
      expect(tokens.accessToken).not.toBe(stored.tokens.accessToken);
      expect(reports.refreshes).toEqual(['provider_error', 'ok']);
    });

    it('our client credentials refused ⇒ 502 provider_error, the grant kept (not the user’s fault)', async () => {
      const { grantId, stored } = await connect({ stale: true });
      standIn.behaviour.token = 'invalid_client';
      const refresher = refresherWith();
      const problem = await problemOf(refresher.usable(grantId, stored));
      expect([problem.status, problem.code]).toEqual([502, 'provider_error']);
      expect(problem.detail).toContain('INVALID_CLIENT_CRED');
      expect(reports.refusedSessions).toEqual([]);
      expect((await grants.read(grantId))?.version).toBe(stored.version);
    });

    it('our client refused ⇒ outcome misconfigured and one error line for the operator, no secret in it', async () => {
      const { grantId, stored } = await connect({ stale: true });
      standIn.behaviour.token = 'invalid_client';
      await problemOf(refresherWith().usable(grantId, stored));
      expect(reports.refreshes).toEqual(['misconfigured']);
      const errors = logs.entries().filter((e) => e.level === 50);
      expect(errors).toEqual([
        expect.objectContaining({ provider: 'likecoin', providerCode: 'INVALID_CLIENT_CRED' }),
      ]);
      for (const secret of [
        CREDENTIALS.clientSecret,
        stored.tokens.refreshToken,
        stored.tokens.accessToken,
      ]) {
        expect(logs.text).not.toContain(secret);
      }
    });

    it('a grant without a refresh token ends as a refused one, without asking the provider', async () => {
      const { grantId } = await connect({ stale: true });
      const before = await grants.read(grantId);
      await grants.replace(grantId, before!.version, { ...before!.tokens, refreshToken: '' });
      const stored = (await grants.read(grantId))!;
      const { result: problem, calls } = await tokenCallsDuring(() =>
        problemOf(refresherWith().usable(grantId, stored)),
      );
      expect([problem.status, problem.code]).toEqual([401, 'likecoin_reauthorization_required']);
      expect(calls).toBe(0);
      expect(reports.refusedSessions).toEqual([1]);
      expect(await grants.read(grantId)).toBeUndefined();
    });

    it('a hang beyond the timeout ⇒ 504 provider_timeout, the tokens kept, the lock released', async () => {
      const { grantId, stored } = await connect({ stale: true });
      standIn.behaviour.token = 'hang';
      const refresher = refresherWith({ tokenTimeoutMs: 250 });
      const started = Date.now();
      const { result: problem, calls } = await tokenCallsDuring(() =>
        problemOf(refresher.usable(grantId, stored)),
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(problem.status).toBe(504);
      expect(problem.code).toBe('provider_timeout');
      expect(calls).toBe(1);
      expect(reports.refreshes).toEqual(['timeout']);
      expect((await grants.read(grantId))?.version).toBe(stored.version);
      expect(await kv.get(grants.keysOf(grantId).lock)).toBeNull();
    });
  });

  describe('a grant replaced while a refresh is in flight', () => {
    it("the refresh's compare-and-set fails and callers get the newer tokens", async () => {
      const { grantId, stored } = await connect({ stale: true });
      standIn.behaviour.tokenDelayMs = 300;
      const refresher = refresherWith();
      const arrived = standIn.nextRequest(TOKEN_PATH);
      const refreshing = Promise.all([
        refresher.usable(grantId, stored),
        refresher.usable(grantId, stored),
      ]);
      await arrived;
      const replacement: GrantedTokens = {
        ...stored.tokens,
        accessToken: 'replacement-access-token',
        refreshToken: 'replacement-refresh-token',
        expiresAt: Date.now() + 3600_000,
      };
      const { replaced } = await grants.connect(replacement, 'session-2', Date.now() + 60_000);
      expect(replaced).toBe(true);
      const results = await refreshing;
      expect(reports.refreshes).toEqual(['ok']);
      expect(results).toEqual([replacement, replacement]);
      expect((await grants.read(grantId))?.tokens).toEqual(replacement);
    });

    it('a reconnect (new code exchange) during the refresh wins; the grant is not forgotten', async () => {
      const { grantId, stored } = await connect({ stale: true });
      standIn.behaviour.tokenDelayMs = 300;
      const refresher = refresherWith();
      const arrived = standIn.nextRequest(TOKEN_PATH);
      const refreshing = refresher.usable(grantId, stored);
      await arrived;
      standIn.behaviour.tokenDelayMs = 0;
      // The new exchange kills the refresh token the delayed refresh carries.
      const reconnected = await exchange();
      await grants.connect(reconnected, 'session-1', Date.now() + 60_000);
      await expect(refreshing).resolves.toEqual(reconnected);
      expect(reports.refreshes).toEqual(['refused']);
      expect(reports.refusedSessions).toEqual([]);
      expect((await grants.read(grantId))?.tokens).toEqual(reconnected);
    });
  });
});
