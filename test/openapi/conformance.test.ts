import request from 'supertest';
import { connectedBrowser, startWithLikeCoin, type LikeCoinSetup } from '../support/likecoin-flow';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';

// Endpoints the other test files do not call with expectDocumented: each answer a user can get
// from them, checked against GET /openapi.json.
let s: LikeCoinSetup;
beforeAll(async () => {
  s = await startWithLikeCoin({ CONSOLE_ENABLED: 'true' });
});
afterAll(() => s.close());

describe('/sessions', () => {
  it('lists the devices, ends one, the others, then all', async () => {
    const phone = await login(s.t, { sub: 'many-devices' });
    const laptop = await login(s.t, { sub: 'many-devices' });
    const tablet = await login(s.t, { sub: 'many-devices' });
    const bearer = { Authorization: `Bearer ${phone.sessionToken}` };

    const listed = await request(s.t.url).get('/sessions').set(bearer).expect(200);
    expect(listed.body.sessions).toHaveLength(3);
    await expectDocumented(listed, 'GET', '/sessions');

    const other = listed.body.sessions.find((x: { current: boolean }) => !x.current);
    const ended = await request(s.t.url).delete(`/sessions/${other.id}`).set(bearer).expect(204);
    await expectDocumented(ended, 'DELETE', '/sessions/{id}');
    const again = await request(s.t.url).delete(`/sessions/${other.id}`).set(bearer).expect(404);
    expect(again.body.code).toBe('not_found');
    await expectDocumented(again, 'DELETE', '/sessions/{id}');

    const bad = await request(s.t.url).delete('/sessions?keep=others').set(bearer).expect(400);
    expect(bad.body.code).toBe('invalid_request');
    await expectDocumented(bad, 'DELETE', '/sessions');
    const kept = await request(s.t.url).delete('/sessions?keep=current').set(bearer).expect(204);
    await expectDocumented(kept, 'DELETE', '/sessions');
    const left = await request(s.t.url).get('/sessions').set(bearer).expect(200);
    expect(left.body.sessions).toHaveLength(1);
    for (const gone of [laptop, tablet]) {
      await request(s.t.url)
        .get('/session')
        .set('Authorization', `Bearer ${gone.sessionToken}`)
        .expect(401);
    }
  });

  it('answers 401 not_authenticated without a user, and 403 csrf_rejected for a bare cookie', async () => {
    const anonymous = await request(s.t.url).get('/sessions').expect(401);
    expect(anonymous.body.code).toBe('not_authenticated');
    await expectDocumented(anonymous, 'GET', '/sessions');
    const { cookie } = await login(s.t);
    const noCsrf = await request(s.t.url).get('/sessions').set('Cookie', cookie).expect(403);
    expect(noCsrf.body.code).toBe('csrf_rejected');
    await expectDocumented(noCsrf, 'GET', '/sessions');
  });
});

describe('DELETE /likecoin/connection', () => {
  it('unlinks (204), and refuses a repeated everywhere= with 400', async () => {
    const cookie = await connectedBrowser(s);
    const headers = { Cookie: cookie, 'X-CSRF': '1' };
    const bad = await request(s.t.url)
      .delete('/likecoin/connection?everywhere=true&everywhere=true')
      .set(headers)
      .expect(400);
    expect(bad.body.code).toBe('invalid_request');
    await expectDocumented(bad, 'DELETE', '/likecoin/connection');
    const res = await request(s.t.url)
      .delete('/likecoin/connection?everywhere=true')
      .set(headers)
      .expect(204);
    await expectDocumented(res, 'DELETE', '/likecoin/connection');
    const view = await request(s.t.url).get('/session').set('Cookie', cookie).expect(200);
    expect(view.body.likecoin.connected).toBe(false);
  });
});

describe('the developer console', () => {
  it.each(['/console', '/console/console.css', '/console/console.js', '/console/config.json'])(
    '%s is served as documented',
    async (path) => {
      const res = await request(s.t.url).get(path).expect(200);
      await expectDocumented(res, 'GET', path);
    },
  );
});

describe('a malformed callback', () => {
  it('answers 400 invalid_state without a state, and invalid_request for a repeated code', async () => {
    const bare = await request(s.t.url).get('/likecoin/callback?code=abc').expect(400);
    expect(bare.body.code).toBe('invalid_state');
    await expectDocumented(bare, 'GET', '/likecoin/callback');
    const state = 'A'.repeat(43);
    const twice = await request(s.t.url)
      .get(`/likecoin/callback?state=${state}&code=a&code=b`)
      .expect(400);
    expect(twice.body.code).toBe('invalid_request');
    await expectDocumented(twice, 'GET', '/likecoin/callback');
  });
});
