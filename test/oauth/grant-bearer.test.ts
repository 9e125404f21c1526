import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { HttpProblem } from '../../src/http/http-problem';
import { grantBearer, type GrantBearer } from '../../src/oauth/grant-bearer';
import type { GrantRefresher } from '../../src/oauth/grant-refresher';
import { GrantStore, type StoredGrant } from '../../src/oauth/grant-store';
import type { GrantedTokens, OAuthProvider } from '../../src/oauth/provider';
import { SealedBox } from '../../src/store/sealed-box';
import { kvBackends, type TestStore } from '../support/kv-backends';

const PREFIX = '/likecoin/api';
const T0 = 1_800_000_000_000;
const LATER = T0 + 3_600_000;

// grantBearer reads only these of the provider: its name (the session's grant) and label.
const provider = { name: 'likecoin', label: 'LikeCoin' } as OAuthProvider;

/** The real GrantStore, with every readFor it is asked for written down. */
class WatchedGrants extends GrantStore {
  reads: string[] = [];
  override readFor(grantId: string, sessionId: string): Promise<StoredGrant | undefined> {
    this.reads.push(`${grantId}/${sessionId}`);
    return super.readFor(grantId, sessionId);
  }
}

/** Stands in for the refresher: tokens are fresh; a renewal is told which grant it is for. */
const refresher = {
  usable: async (_grantId: string, stored: StoredGrant) => stored.tokens,
  afterRejection: async (grantId: string, rejected: string) =>
    ({ accessToken: `renewed:${grantId}:${rejected}` }) as GrantedTokens,
} as unknown as GrantRefresher;

function tokens(subject: string): GrantedTokens {
  return {
    subject,
    displayName: subject,
    avatar: '',
    accessToken: `access-${subject}`,
    refreshToken: `refresh-${subject}`,
    scopes: [],
    expiresAt: LATER,
    issuedAt: T0,
    requestedAt: T0,
  };
}

interface Call {
  /** The session id the credential names (unverified), as the session layer hands it over. */
  credentialId: string;
  /** The session express-session loaded (its id and data), if any. */
  sessionId: string;
  grantId?: string;
  signedIn?: boolean;
  url?: string;
}

describe.each(kvBackends('test:grant-bearer'))('grantBearer on $name', (backend) => {
  let store: TestStore;
  let grants: WatchedGrants;
  let bearer: GrantBearer;
  let alice: string;
  let bob: string;

  beforeEach(async () => {
    store = await backend.open(() => T0);
    grants = new WatchedGrants(store.kv, new SealedBox([randomBytes(32)]), {
      namespace: provider.name,
      ttlMs: 60_000,
      cacheEntries: 10,
    });
    bearer = grantBearer(provider, grants, refresher, { prefix: PREFIX, cacheEntries: 10 });
    alice = (await grants.connect(tokens('alice'), 'S', LATER)).grantId;
    bob = (await grants.connect(tokens('bob'), 'B', LATER)).grantId;
  });
  afterEach(() => store.close());

  /**
   * One proxied call as the app runs it: the early hook as the session is read, then prefetch,
   * then the bearer. Answers the token (or the problem's code) and the grant reads it cost.
   */
  async function call(c: Call): Promise<{ token?: string; problem?: string; reads: string[] }> {
    const req = {
      originalUrl: c.url ?? `${PREFIX}/users/me`,
      sessionID: c.sessionId,
      session: {
        ...(c.signedIn === false ? {} : { createdAt: T0, user: { id: 'u', source: 'app' } }),
        ...(c.grantId === undefined ? {} : { grants: { [provider.name]: c.grantId } }),
      },
    } as unknown as Request;
    const before = grants.reads.length;
    bearer.early(req, c.credentialId);
    let nexts = 0;
    bearer.prefetch(req, {} as never, () => void nexts++);
    expect(nexts).toBe(1);
    try {
      const { token } = await bearer.bearer(req);
      return { token, reads: grants.reads.slice(before) };
    } catch (err) {
      if (!(err instanceof HttpProblem)) throw err;
      return { problem: err.code, reads: grants.reads.slice(before) };
    }
  }

  it('reads the grant once per call, early once the session has been seen linked', async () => {
    const first = await call({ credentialId: 'S', sessionId: 'S', grantId: alice });
    expect(first).toEqual({ token: 'access-alice', reads: [`${alice}/S`] });
    const second = await call({ credentialId: 'S', sessionId: 'S', grantId: alice });
    expect(second).toEqual({ token: 'access-alice', reads: [`${alice}/S`] });
  });

  it('starts no early read outside the proxy, nor for a session it has not seen', async () => {
    await call({ credentialId: 'S', sessionId: 'S', grantId: alice });
    for (const url of ['/livelike/token', '/likecoin/apix/users', '/session']) {
      const req = { originalUrl: url, sessionID: 'S', session: {} } as unknown as Request;
      bearer.early(req, 'S');
    }
    bearer.early({ originalUrl: `${PREFIX}/x` } as Request, 'never-seen');
    expect(grants.reads).toEqual([`${alice}/S`]);
  });

  it('an early read for another session id than the one loaded is thrown away', async () => {
    await call({ credentialId: 'S', sessionId: 'S', grantId: alice });
    // The credential named S, but the session loaded is S2, holding alice's grant without a
    // link to it: the early read (S is linked) must not answer for S2.
    const other = await call({ credentialId: 'S', sessionId: 'S2', grantId: alice });
    expect(other).toEqual({
      problem: 'likecoin_reauthorization_required',
      reads: [`${alice}/S`, `${alice}/S2`],
    });
    // S2 linked to bob's grant gets bob's token, never alice's.
    const linked = await call({ credentialId: 'S', sessionId: 'B', grantId: bob });
    expect(linked).toEqual({ token: 'access-bob', reads: [`${alice}/S`, `${bob}/B`] });
  });

  it('an early read of the grant a session used to hold is thrown away', async () => {
    await call({ credentialId: 'S', sessionId: 'S', grantId: alice });
    // S connected bob's account since (and is still linked to alice's grant too).
    await grants.link(bob, 'S', LATER);
    const moved = await call({ credentialId: 'S', sessionId: 'S', grantId: bob });
    expect(moved).toEqual({ token: 'access-bob', reads: [`${alice}/S`, `${bob}/S`] });
    // Seen with bob's grant now: the next early read is the right one.
    const next = await call({ credentialId: 'S', sessionId: 'S', grantId: bob });
    expect(next).toEqual({ token: 'access-bob', reads: [`${bob}/S`] });
  });

  it('forgets its guess for a session that is no longer linked or signed in', async () => {
    // Signed out with the grant still in the data; or signed in, with no grant.
    for (const gone of [{ signedIn: false, grantId: alice }, {}]) {
      await call({ credentialId: 'S', sessionId: 'S', grantId: alice });
      const res = await call({ credentialId: 'S', sessionId: 'S', ...gone });
      expect(res.reads).toEqual([`${alice}/S`]);
      expect(res.problem).toBe(
        gone.signedIn === false ? 'not_authenticated' : 'likecoin_not_connected',
      );
      // No early read any more for S.
      const req = { originalUrl: `${PREFIX}/x`, sessionID: 'S', session: {} } as unknown as Request;
      const before = grants.reads.length;
      bearer.early(req, 'S');
      expect(grants.reads.length).toBe(before);
    }
  });

  it('asks for a new connection when the grant is gone, and renews through the refresher', async () => {
    const ok = await call({ credentialId: 'S', sessionId: 'S', grantId: alice });
    expect(ok.token).toBe('access-alice');
    const req = {
      originalUrl: `${PREFIX}/x`,
      sessionID: 'S',
      session: { createdAt: T0, user: { id: 'u', source: 'app' }, grants: { likecoin: alice } },
    } as unknown as Request;
    const source = await bearer.bearer(req);
    expect(await source.renew?.()).toBe(`renewed:${alice}:access-alice`);

    await grants.forget(alice);
    const gone = await call({ credentialId: 'S', sessionId: 'S', grantId: alice });
    expect(gone.problem).toBe('likecoin_reauthorization_required');
  });
});
