import request from 'supertest';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';
import {
  atProvider,
  browserStarts,
  connectedBrowser,
  pathOf,
  sessionCookieOf,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { storedKeys } from '../support/test-app';
import { LIKECOIN_MODES, type LikeCoinBehaviour } from '../support/likecoin-stand-in';

// Every flow against both LikeCoins: as documented, and as its public code shows it answering.
describe.each(LIKECOIN_MODES)('LikeCoin (%s)', (mode) => {
  let s: LikeCoinSetup;
  beforeAll(async () => {
    s = await startWithLikeCoin({}, { mode });
  });
  afterAll(() => s.close());

  describe('a web page signs in with LikeCoin', () => {
    it('redirects to LikeCoin with client_id, scope, redirect_uri and a fresh state', async () => {
      const { cookie, authorizationUrl } = await browserStarts(s.t);
      expect(cookie).toBeDefined();
      const url = new URL(authorizationUrl);
      expect(url.origin + url.pathname).toBe(s.provider.authorizeUrl);
      expect(url.searchParams.get('client_id')).toBe('likecoin-client');
      expect(url.searchParams.get('scope')).toBe('profile email');
      expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:3000/likecoin/callback');
      expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.has('code_challenge')).toBe(false);
    });

    it('signs the browser in as the Liker ID, under a new session id, and returns to return_to', async () => {
      const { cookie, authorizationUrl } = await browserStarts(
        s.t,
        'https://app.example/welcome?tab=2',
      );
      const callback = await atProvider(authorizationUrl);
      const res = await request(s.t.url).get(pathOf(callback)).set('Cookie', cookie);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('https://app.example/welcome?tab=2');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      await expectDocumented(res, 'GET', '/likecoin/callback');
      const newCookie = sessionCookieOf(res)!;
      expect(newCookie).toBeDefined();
      expect(newCookie).not.toBe(cookie);

      const view = await request(s.t.url).get('/session').set('Cookie', newCookie).expect(200);
      await expectDocumented(view, 'GET', '/session');
      expect(view.body).toEqual({
        authenticated: true,
        user: { id: 'likecoin:alice-liker', source: 'likecoin' },
        likecoin: {
          connected: true,
          user: 'alice-liker',
          displayName: 'Alice',
          avatar: expect.any(String),
          scopes: ['profile', 'email'],
        },
      });
      // The session the browser had before the flow is gone: a planted cookie is worth nothing.
      expect(
        (await request(s.t.url).get('/session').set('Cookie', cookie)).body.authenticated,
      ).toBe(false);
      // And the user can get LiveLike tokens with it.
      const ll = await request(s.t.url)
        .get('/livelike/token')
        .set('Cookie', newCookie)
        .set('X-CSRF', '1');
      expect(ll.body.custom_profile_id).toBe('likecoin:alice-liker');
    });

    it('links the account to a signed-in user, keeping the user', async () => {
      const { cookie } = await login(s.t, { sub: 'app-user-9' });
      const start = await request(s.t.url)
        .get('/likecoin/authorize')
        .set('Cookie', cookie)
        .expect(302);
      expect(sessionCookieOf(start)).toBeUndefined();
      await expectDocumented(start, 'GET', '/likecoin/authorize');
      const callback = await atProvider(start.headers.location!);
      const res = await request(s.t.url).get(pathOf(callback)).set('Cookie', cookie).expect(302);
      expect(res.headers.location).toBe('http://localhost:3000/');
      const linked = sessionCookieOf(res)!;
      expect(linked).not.toBe(cookie);
      const view = await request(s.t.url).get('/session').set('Cookie', linked);
      expect(view.body.user).toEqual({ id: 'app-user-9', source: 'app' });
      expect(view.body.likecoin).toMatchObject({ connected: true, user: 'alice-liker' });
    });

    it("accepts the provider's older auth_code parameter", async () => {
      const { cookie, authorizationUrl } = await browserStarts(s.t);
      const callback = await atProvider(authorizationUrl);
      const renamed = new URL(callback);
      renamed.searchParams.set('auth_code', renamed.searchParams.get('code')!);
      renamed.searchParams.delete('code');
      await request(s.t.url).get(pathOf(renamed)).set('Cookie', cookie).expect(302);
    });

    it('sends the user back with error=access_denied when they say no', async () => {
      s.provider.behaviour.authorize = 'deny';
      try {
        const { cookie, authorizationUrl } = await browserStarts(s.t);
        const before = s.provider.count('/oauth/access_token');
        const res = await request(s.t.url)
          .get(pathOf(await atProvider(authorizationUrl)))
          .set('Cookie', cookie);
        expect(res.status).toBe(302);
        expect(res.headers.location).toBe('https://app.example/done?error=access_denied');
        await expectDocumented(res, 'GET', '/likecoin/callback');
        expect(s.provider.count('/oauth/access_token')).toBe(before);
      } finally {
        s.provider.behaviour.authorize = 'approve';
      }
    });

    it('unlinks on DELETE /likecoin/connection and DELETE /session; the last unlink forgets the grant', async () => {
      const previous = s.provider.nextUser;
      s.provider.nextUser = { ...previous, user: 'unlink-liker', displayName: 'Unlink' };
      try {
        const connect = async () => {
          const { cookie, authorizationUrl } = await browserStarts(s.t);
          const res = await request(s.t.url)
            .get(pathOf(await atProvider(authorizationUrl)))
            .set('Cookie', cookie);
          return sessionCookieOf(res)!;
        };
        const grantKeys = () => storedKeys(s.t, 'grant:{likecoin:*}:tokens');
        const connected = async (cookie: string) =>
          (await request(s.t.url).get('/session').set('Cookie', cookie)).body.likecoin.connected;
        const before = (await grantKeys()).length;
        const first = await connect();
        const second = await connect();
        // One Liker, two browsers: one grant.
        expect((await grantKeys()).length).toBe(before + 1);

        await request(s.t.url)
          .delete('/likecoin/connection')
          .set('Cookie', first)
          .set('X-CSRF', '1')
          .expect(204);
        expect(await connected(first)).toBe(false);
        expect(await connected(second)).toBe(true);
        expect((await grantKeys()).length).toBe(before + 1);

        await request(s.t.url)
          .delete('/session')
          .set('Cookie', second)
          .set('X-CSRF', '1')
          .expect(204);
        expect((await grantKeys()).length).toBe(before);
      } finally {
        s.provider.nextUser = previous;
      }
    });
  });

  describe('a mobile app connects LikeCoin through the system browser', () => {
    it('gets a one-time result handle back, and completes the flow under its own bearer session', async () => {
      const app = await login(s.t, { sub: 'mobile-user' });
      const started = await request(s.t.url)
        .post('/likecoin/authorize')
        .set('Authorization', `Bearer ${app.sessionToken}`)
        .send({ return_to: 'myapp://auth', scope: 'profile' })
        .expect(200);
      expect(new URL(started.body.authorization_url).searchParams.get('scope')).toBe('profile');
      await expectDocumented(started, 'POST', '/likecoin/authorize');

      // The system browser has no cookie of ours.
      const callback = await atProvider(started.body.authorization_url);
      const tokenCallsBefore = s.provider.count('/oauth/access_token');
      const back = await request(s.t.url).get(pathOf(callback)).expect(302);
      const returned = new URL(back.headers.location!);
      expect(returned.protocol + returned.host).toBe('myapp:auth');
      const result = returned.searchParams.get('result')!;
      expect(result).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(s.provider.count('/oauth/access_token')).toBe(tokenCallsBefore);

      const done = await request(s.t.url)
        .post('/likecoin/complete')
        .set('Authorization', `Bearer ${app.sessionToken}`)
        .send({ result })
        .expect(200);
      expect(done.body).toMatchObject({
        authenticated: true,
        user: { id: 'mobile-user', source: 'app' },
        likecoin: { connected: true, user: 'alice-liker', scopes: ['profile'] },
      });
      expect(done.body.session_token).not.toBe(app.sessionToken);
      expect(JSON.stringify(done.body)).not.toMatch(/access_token|refresh_token/);
      await expectDocumented(done, 'POST', '/likecoin/complete');
      const view = await request(s.t.url)
        .get('/session')
        .set('Authorization', `Bearer ${done.body.session_token}`);
      expect(view.body.likecoin.connected).toBe(true);
      await request(s.t.url)
        .get('/session')
        .set('Authorization', `Bearer ${app.sessionToken}`)
        .expect(401);
      // The handle worked once.
      const replay = await request(s.t.url)
        .post('/likecoin/complete')
        .set('Authorization', `Bearer ${done.body.session_token}`)
        .send({ result });
      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe('invalid_state');
      await expectDocumented(replay, 'POST', '/likecoin/complete');
    });
  });

  describe('a code-exchange answer as LikeCoin may really send it', () => {
    afterEach(() => {
      s.provider.behaviour.shapeAnswer = undefined;
    });
    const profile = (cookie: string) =>
      request(s.t.url).get('/likecoin/api/users/profile').set('Cookie', cookie).set('X-CSRF', '1');

    it('the access token alone: signed in as the Liker its token names', async () => {
      s.provider.behaviour.shapeAnswer = (answer) => ({ access_token: answer.access_token });
      const cookie = await connectedBrowser(s);
      const view = await request(s.t.url).get('/session').set('Cookie', cookie).expect(200);
      expect(view.body).toMatchObject({
        user: { id: 'likecoin:alice-liker', source: 'likecoin' },
        likecoin: { connected: true, user: 'alice-liker', displayName: '', avatar: '' },
      });
      expect(view.body.likecoin.scopes).toEqual(['profile', 'email']);
      expect((await profile(cookie)).body.user).toBe('alice-liker');
    });

    const badId = 'l'.repeat(256);
    it.each<[string, NonNullable<LikeCoinBehaviour['shapeAnswer']>]>([
      [
        'names no Liker',
        async (answer, { scopes }) => ({
          ...answer,
          user: undefined,
          access_token: await s.provider.mintAccessToken(undefined, scopes),
        }),
      ],
      [
        'names a Liker ID that cannot be a user id (256 characters)',
        async (answer, { scopes }) => ({
          ...answer,
          user: badId,
          access_token: await s.provider.mintAccessToken(badId, scopes),
        }),
      ],
      ['is not JSON', () => '<html><body>OK</body></html>'],
    ])('%s: 502 provider_error, nothing stored, nobody signed in', async (_name, shape) => {
      const grantsBefore = (await storedKeys(s.t, 'grant:{likecoin:*}:tokens')).length;
      const { cookie, authorizationUrl } = await browserStarts(s.t);
      s.provider.behaviour.shapeAnswer = shape;
      const res = await request(s.t.url)
        .get(pathOf(await atProvider(authorizationUrl)))
        .set('Cookie', cookie);
      expect([res.status, res.body.code]).toEqual([502, 'provider_error']);
      await expectDocumented(res, 'GET', '/likecoin/callback');
      expect(sessionCookieOf(res)).toBeUndefined();
      expect((await storedKeys(s.t, 'grant:{likecoin:*}:tokens')).length).toBe(grantsBefore);
      const view = await request(s.t.url).get('/session').set('Cookie', cookie);
      expect(view.body).toMatchObject({ authenticated: false, likecoin: { connected: false } });
    });

    it('shows the scopes LikeCoin granted (its token says them), which may differ from those asked', async () => {
      const other = await startWithLikeCoin({ LIKECOIN_SCOPES: 'like' }, { mode });
      try {
        const view = await request(other.t.url)
          .get('/session')
          .set('Cookie', await connectedBrowser(other));
        expect(view.body.likecoin.scopes).toEqual(
          mode === 'observed' ? ['read:like', 'write:like', 'profile'] : ['like'],
        );
      } finally {
        await other.close();
      }
    });
  });
});
