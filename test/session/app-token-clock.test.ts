import request from 'supertest';
import { appIdToken } from '../support/app-tokens';
import { startEmbeddedApp, type EmbeddedTestApp } from '../support/test-app';

// One clock (issue 20): the app's ID token is judged by the service's clock, as everything else
// is, so a test (or a deployment's clock source) that moves it moves this judgement too.
let clock = Date.now();
let t: EmbeddedTestApp;
beforeAll(async () => {
  t = await startEmbeddedApp({ now: () => clock });
});
afterAll(() => t.close());

it("refuses an ID token whose exp has passed on the service's clock", async () => {
  const idToken = appIdToken({ sub: 'clocked' }); // five minutes, by the real clock
  clock = Date.now() + 10 * 60_000;
  const late = await request(t.url).post('/session').send({ id_token: idToken }).expect(401);
  expect(late.body.code).toBe('invalid_id_token');
  clock = Date.now();
  await request(t.url).post('/session').send({ id_token: idToken }).expect(200);
});

it("refuses an ID token issued in the future of the service's clock", async () => {
  clock = Date.now() - 10 * 60_000;
  const early = await request(t.url)
    .post('/session')
    .send({ id_token: appIdToken({ sub: 'clocked' }) })
    .expect(401);
  expect(early.body.code).toBe('invalid_id_token');
  clock = Date.now();
});
