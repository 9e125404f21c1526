import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { HttpProblem } from '../../src/http/http-problem';
import { createLogger } from '../../src/log/create-logger';
import { callbackQuery } from '../../src/oauth/oauth-schemas';
import { exchangeCode } from '../../src/oauth/connect-grant';
import { GrantRefresher, type RefreshOutcome } from '../../src/oauth/grant-refresher';
import { GrantStore, type StoredGrant } from '../../src/oauth/grant-store';
import type { GrantedTokens, OAuthProvider } from '../../src/oauth/provider';
import { tokenEndpointClient } from '../../src/oauth/token-endpoint-client';
import { MemoryKv } from '../../src/store/memory-kv';
import { SealedBox } from '../../src/store/sealed-box';
import { LogCapture } from '../support/log-capture';
import { freePort } from '../support/redis-server';

/**
 * Shapes of a token endpoint's success answer that real providers send, each asked of the
 * provider's stand-in in its own words.
 */
export type AnswerShape =
  /** every field the provider documents */
  | 'full'
  /** the access token alone (it names its subject, if the provider's tokens do) */
  | 'access_token_only'
  /** no subject field: the subject only inside the access token */
  | 'subject_in_token_only'
  /** no subject anywhere */
  | 'no_subject'
  /** another subject than the grant's, in the field and in the token */
  | 'other_subject'
  /** a field over the description's bounds */
  | 'oversize_field'
  /** a body that is not JSON */
  | 'not_json'
  /** an access token that says no expiry */
  | 'no_expiry';

export interface WireAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** A provider's stand-in, driven in the suite's terms. */
export interface ConformanceStandIn {
  /** The description under test, pointed at this stand-in. */
  provider: OAuthProvider;
  /** Every query name under which the provider's callback carries the code. */
  codeParams: readonly string[];
  /** How long the description takes a token without an expiry to live. */
  lifetimeWithoutExpiryMs: number;
  /** The provider's own refusals of our client (RFC 6749's JSON ones are tried anyway). */
  clientRefusals: readonly WireAnswer[];
  /** A code the stand-in takes, as if `subject` approved `scopes`. */
  issueCode(subject: string, scopes: string[]): string;
  /** The success answers of both calls come in `shape` from now on. */
  answerWith(shape: AnswerShape): void;
  /** Kills the refresh token of `subject` (the user revoked access). */
  killRefreshToken(subject: string): void;
  /** A dead code or refresh token is refused with `status` from now on. */
  refuseDeadTokensWith(status: number): void;
  /** Every token request gets this answer, hangs, or has its connection reset. */
  answerAll(answer: WireAnswer | 'hang' | 'reset'): void;
  /** Back to the stand-in's own behaviour. */
  reset(): void;
  close(): Promise<void>;
}

export interface ConformanceTarget {
  label: string;
  start(): Promise<ConformanceStandIn>;
}

const TIMEOUT_MS = 2000;
const HANG_TIMEOUT_MS = 250;
const RETRY_AFTER_SECONDS = 9;
const LINK_MS = 60_000;

/**
 * What the provider-neutral OAuth core must get right for any provider description: every shape
 * of token answer is stored, merged or refused as it must be, and every failure of the token
 * endpoint ends in the one answer it must, never a grant left answering 503 for ever. Run it for
 * each description against its stand-in (each of its modes).
 */
export function describeProviderConformance(target: ConformanceTarget): void {
  describe(`${target.label}: provider conformance`, () => {
    let standIn: ConformanceStandIn;
    let provider: OAuthProvider;
    let dispatcher: Agent;
    let grants: GrantStore;
    let logs: LogCapture;
    let kv: MemoryKv;
    const outcomes: RefreshOutcome[] = [];
    const refusedSessions: number[] = [];
    let subjects = 0;

    beforeAll(async () => {
      standIn = await target.start();
      provider = standIn.provider;
      dispatcher = new Agent({ connections: 8 });
    });
    afterAll(async () => {
      await dispatcher.close();
      await standIn.close();
    });
    beforeEach(() => {
      standIn.reset();
      kv = new MemoryKv();
      const box = new SealedBox([randomBytes(32)]);
      grants = new GrantStore(kv, box, {
        namespace: provider.name,
        ttlMs: 3600_000,
        cacheEntries: 10,
      });
      logs = new LogCapture();
      outcomes.length = 0;
      refusedSessions.length = 0;
    });

    const newSubject = () => `conformance-${(subjects += 1)}`;
    const scopes = () => [provider.scopes[0] ?? 'profile'];
    const clientOf = (p: OAuthProvider = provider, timeoutMs = TIMEOUT_MS) =>
      tokenEndpointClient({
        provider: p,
        dispatcher,
        timeoutMs,
        maxResponseBytes: 64 * 1024,
        now: Date.now,
      });
    const refresherOf = (p: OAuthProvider = provider, timeoutMs = TIMEOUT_MS) =>
      new GrantRefresher({
        provider: p,
        grants,
        tokenClient: clientOf(p, timeoutMs),
        now: Date.now,
        tokenTimeoutMs: timeoutMs,
        refreshMarginMs: 60_000,
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        rejectionCooldownMs: 0,
        countRefresh: () => Promise.resolve(),
        onRefresh: (outcome) => void outcomes.push(outcome),
        onWait: () => undefined,
        onGrantRefused: ({ linked }) => void refusedSessions.push(linked),
        log: createLogger('info', logs.stream),
      });

    /** The code exchange as the callback runs it: tokens, or our problem answer. */
    const exchange = (subject: string, code = standIn.issueCode(subject, scopes())) =>
      exchangeCode({ provider, tokenClient: clientOf() }, { scopes: scopes() }, code);

    /** A grant of a new subject linked to two sessions, stored as due for a refresh. */
    async function connected(): Promise<{ grantId: string; stored: StoredGrant }> {
      const tokens = await exchange(newSubject());
      const due = { ...tokens, expiresAt: Date.now() - 1 };
      const { grantId } = await grants.connect(due, 'session-1', Date.now() + LINK_MS);
      await grants.link(grantId, 'session-2', Date.now() + LINK_MS);
      const stored = await grants.read(grantId);
      if (!stored) throw new Error('the grant was not stored');
      return { grantId, stored };
    }

    async function problemOf(call: Promise<unknown>): Promise<HttpProblem> {
      const err = await call.then(
        () => new Error('expected the call to fail'),
        (e: unknown) => e,
      );
      if (!(err instanceof HttpProblem)) throw err;
      return err;
    }

    /** The refresh failed, and the grant is exactly as it was, for both sessions. */
    async function expectKept(grantId: string, stored: StoredGrant): Promise<void> {
      expect((await grants.read(grantId))?.version).toBe(stored.version);
      expect((await grants.linkedSessions(grantId)).sort()).toEqual(['session-1', 'session-2']);
      expect(refusedSessions).toEqual([]);
    }

    describe('token answers of a code exchange', () => {
      it('full: the subject, the granted scopes, and when it was asked and issued', async () => {
        standIn.answerWith('full');
        const subject = newSubject();
        const before = Date.now();
        const tokens = await exchange(subject);
        const after = Date.now();
        expect(tokens).toMatchObject({ subject, accessToken: expect.any(String) });
        expect(tokens.refreshToken).not.toBe('');
        expect(tokens.scopes).toEqual(expect.arrayContaining(scopes()));
        expect(tokens.requestedAt).toBeGreaterThanOrEqual(before);
        expect(tokens.requestedAt).toBeLessThanOrEqual(after);
        // A token's iat has whole seconds: up to one before the request was sent.
        expect(tokens.issuedAt).toBeGreaterThan(tokens.requestedAt - 1000);
        expect(tokens.issuedAt).toBeLessThanOrEqual(after);
        expect(tokens.expiresAt).toBeGreaterThan(after + 60_000);
      });

      it('the subject only in the access token: still the subject', async () => {
        standIn.answerWith('subject_in_token_only');
        const subject = newSubject();
        await expect(exchange(subject)).resolves.toMatchObject({ subject });
      });

      it('an access token without expiry lives the provider’s default from the request', async () => {
        standIn.answerWith('no_expiry');
        const tokens = await exchange(newSubject());
        expect(tokens.expiresAt).toBe(tokens.requestedAt + standIn.lifetimeWithoutExpiryMs);
      });

      it.each<AnswerShape>(['no_subject', 'oversize_field', 'not_json'])(
        '%s: 502 provider_error, nothing to store',
        async (shape) => {
          standIn.answerWith(shape);
          const problem = await problemOf(exchange(newSubject()));
          expect([problem.status, problem.code]).toEqual([502, 'provider_error']);
        },
      );
    });

    describe('token answers of a refresh', () => {
      it('full: stored, the subject unchanged', async () => {
        const { grantId, stored } = await connected();
        standIn.answerWith('full');
        const tokens = await refresherOf().usable(grantId, stored);
        expect(tokens.accessToken).not.toBe(stored.tokens.accessToken);
        expect(tokens.subject).toBe(stored.tokens.subject);
        expect((await grants.read(grantId))?.tokens).toEqual(tokens);
        expect(outcomes).toEqual(['ok']);
      });

      it('the access token alone: every other field keeps its value, and the grant refreshes again', async () => {
        const { grantId, stored } = await connected();
        standIn.answerWith('access_token_only');
        const refresher = refresherOf();
        const tokens = await refresher.usable(grantId, stored);
        const kept: (keyof GrantedTokens)[] = ['subject', 'refreshToken', 'displayName', 'avatar'];
        for (const field of kept)
          expect([field, tokens[field]]).toEqual([field, stored.tokens[field]]);
        expect(tokens.scopes).toEqual(stored.tokens.scopes);
        expect(tokens.accessToken).not.toBe(stored.tokens.accessToken);
        expect(tokens.requestedAt).toBeGreaterThan(stored.tokens.requestedAt - 1);
        // An hour later, the kept refresh token still works.
        const again = (await grants.read(grantId))!;
        const due = { ...again.tokens, expiresAt: Date.now() - 1 };
        expect(await grants.replace(grantId, again.version, due)).toBe(true);
        const next = await refresher.usable(grantId, (await grants.read(grantId))!);
        expect(next.accessToken).not.toBe(tokens.accessToken);
        expect(outcomes).toEqual(['ok', 'ok']);
      });

      it.each<AnswerShape>(['subject_in_token_only', 'no_subject'])(
        '%s: stored, the subject unchanged',
        async (shape) => {
          const { grantId, stored } = await connected();
          standIn.answerWith(shape);
          const tokens = await refresherOf().usable(grantId, stored);
          expect(tokens.subject).toBe(stored.tokens.subject);
          expect(outcomes).toEqual(['ok']);
        },
      );

      it('an access token without expiry lives the provider’s default from the request', async () => {
        const { grantId, stored } = await connected();
        standIn.answerWith('no_expiry');
        const tokens = await refresherOf().usable(grantId, stored);
        expect(tokens.expiresAt).toBe(tokens.requestedAt + standIn.lifetimeWithoutExpiryMs);
      });

      it('another subject: never stored; 502 provider_error, the grant kept', async () => {
        const { grantId, stored } = await connected();
        standIn.answerWith('other_subject');
        const problem = await problemOf(refresherOf().usable(grantId, stored));
        expect([problem.status, problem.code]).toEqual([502, 'provider_error']);
        await expectKept(grantId, stored);
        expect(outcomes).toEqual(['subject_changed']);
      });

      it.each<AnswerShape>(['oversize_field', 'not_json'])(
        '%s: 502 provider_error, the grant kept',
        async (shape) => {
          const { grantId, stored } = await connected();
          standIn.answerWith(shape);
          const problem = await problemOf(refresherOf().usable(grantId, stored));
          expect([problem.status, problem.code]).toEqual([502, 'provider_error']);
          await expectKept(grantId, stored);
          expect(outcomes).toEqual(['unusable']);
        },
      );
    });

    describe('refusal or outage', () => {
      it('every 4xx but 408 and 429 for a dead refresh token refuses it: the grant forgotten for every session', async () => {
        const statuses = Array.from({ length: 100 }, (_, i) => 400 + i).filter(
          (status) => status !== 408 && status !== 429,
        );
        for (const status of statuses) {
          const { grantId, stored } = await connected();
          standIn.killRefreshToken(stored.tokens.subject);
          standIn.refuseDeadTokensWith(status);
          refusedSessions.length = 0;
          const problem = await problemOf(refresherOf().usable(grantId, stored));
          expect([status, problem.status, problem.code]).toEqual([
            status,
            401,
            `${provider.name}_reauthorization_required`,
          ]);
          expect(await grants.read(grantId)).toBeUndefined();
          expect(await grants.linkedSessions(grantId)).toEqual([]);
          expect(refusedSessions).toEqual([2]);
        }
        expect(outcomes).toEqual(statuses.map(() => 'refused'));
      });

      it.each([400, 401, 403, 404, 410])(
        'a dead code refused with %i: the exchange fails with 502 provider_error',
        async (status) => {
          standIn.refuseDeadTokensWith(status);
          const problem = await problemOf(exchange(newSubject(), 'a-code-nobody-issued'));
          expect([problem.status, problem.code]).toEqual([502, 'provider_error']);
        },
      );

      it.each([408, 429, 500, 502, 503, 504])(
        '%i: no verdict; the refresh answers 503 with Retry-After, the grant kept; the exchange 502',
        async (status) => {
          const { grantId, stored } = await connected();
          standIn.answerAll({ status, contentType: 'text/plain', body: 'try later' });
          const problem = await problemOf(refresherOf().usable(grantId, stored));
          expect([problem.status, problem.code]).toEqual([503, 'provider_unavailable']);
          expect(problem.headers).toEqual({ 'Retry-After': String(RETRY_AFTER_SECONDS) });
          await expectKept(grantId, stored);
          expect(outcomes).toEqual(['provider_error']);
          const failed = await problemOf(exchange(newSubject()));
          expect([failed.status, failed.code]).toEqual([502, 'provider_error']);
        },
      );

      it('no answer in time: 504 provider_timeout, the grant kept', async () => {
        const { grantId, stored } = await connected();
        standIn.answerAll('hang');
        const problem = await problemOf(
          refresherOf(provider, HANG_TIMEOUT_MS).usable(grantId, stored),
        );
        expect([problem.status, problem.code]).toEqual([504, 'provider_timeout']);
        await expectKept(grantId, stored);
        expect(outcomes).toEqual(['timeout']);
      });

      it('a reset connection or a closed port: 503 provider_unavailable, the grant kept', async () => {
        const { grantId, stored } = await connected();
        standIn.answerAll('reset');
        const reset = await problemOf(refresherOf().usable(grantId, stored));
        expect([reset.status, reset.code]).toEqual([503, 'provider_unavailable']);
        const closed = {
          ...provider,
          tokenUrl: new URL(`http://127.0.0.1:${await freePort()}/token`),
        };
        const unreachable = await problemOf(refresherOf(closed).usable(grantId, stored));
        expect([unreachable.status, unreachable.code]).toEqual([503, 'provider_unavailable']);
        await expectKept(grantId, stored);
        expect(outcomes).toEqual(['provider_error', 'provider_error']);
      });

      it('our client refused (each code the provider or RFC 6749 uses): 502, the grant kept, the operator told', async () => {
        const refusals: WireAnswer[] = [
          ...standIn.clientRefusals,
          { status: 401, contentType: 'application/json', body: '{"error":"invalid_client"}' },
          { status: 400, contentType: 'application/json', body: '{"error":"unauthorized_client"}' },
        ];
        for (const refusal of refusals) {
          const { grantId, stored } = await connected();
          standIn.answerAll(refusal);
          const problem = await problemOf(refresherOf().usable(grantId, stored));
          expect([refusal.body, problem.status, problem.code]).toEqual([
            refusal.body,
            502,
            'provider_error',
          ]);
          await expectKept(grantId, stored);
          const exchanged = await problemOf(exchange(newSubject()));
          expect([exchanged.status, exchanged.code]).toEqual([502, 'provider_error']);
          standIn.reset();
        }
        expect(outcomes).toEqual(refusals.map(() => 'misconfigured'));
        const errors = logs.entries().filter((entry) => entry.level === 50);
        expect(errors).toHaveLength(refusals.length);
        expect(logs.text).not.toContain(provider.credentials.clientSecret);
      });
    });

    describe('the callback', () => {
      it('finds the code under each name the provider uses, and nowhere else', () => {
        expect([...provider.codeParams].sort()).toEqual([...standIn.codeParams].sort());
        const query = callbackQuery(provider.codeParams);
        for (const name of standIn.codeParams) {
          const parsed: Record<string, unknown> = query.parse({ [name]: 'the-code', state: 's' });
          expect([name, parsed[name]]).toEqual([name, 'the-code']);
        }
        const stray: Record<string, unknown> = query.parse({
          state: 's',
          token: 'x',
          access_token: 'y',
        });
        expect(provider.codeParams.map((name) => stray[name])).toEqual(
          provider.codeParams.map(() => undefined),
        );
      });
    });
  });
}
