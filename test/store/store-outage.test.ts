import { once } from 'node:events';
import request from 'supertest';
import { appIdToken } from '../support/app-tokens';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';

// This file needs a Redis it may stop, so it always starts its own, whatever REDIS_URL says.
let redis: RedisServer;
let t: TestApp;
beforeAll(async () => {
  redis = await startRedisServer();
  t = await startTestApp({ redisUrl: redis.url });
});
afterAll(async () => {
  await t.close();
  await redis.dispose();
});

it('answers 503 store_unavailable while Redis is down, and nobody is logged out by it', async () => {
  const { cookie, sessionToken } = await login(t, { sub: 'patient-user' });

  await redis.stop();
  for (const req of [
    request(t.url).get('/session').set('Cookie', cookie),
    request(t.url).get('/livelike/token').set('Authorization', `Bearer ${sessionToken}`),
    request(t.url)
      .post('/session')
      .send({ id_token: appIdToken({ sub: 'newcomer' }) }),
  ]) {
    const res = await req;
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body.code).toBe('store_unavailable');
    await expectDocumented(res);
    expect(res.headers['set-cookie']).toBeUndefined();
  }
  // The operator's log says what happened, by its code.
  expect(t.logs.entries()).toContainEqual(
    expect.objectContaining({ msg: 'request failed', problem: 'store_unavailable' }),
  );
  expect((await request(t.url).get('/readyz')).status).toBe(503);
  await expectDocumented(await request(t.url).get('/readyz'));
  expect((await request(t.url).get('/healthz')).status).toBe(200);

  await redis.restart();
  await once(t.redis, 'ready');
  expect((await request(t.url).get('/readyz')).status).toBe(200);
  const back = await request(t.url).get('/session').set('Cookie', cookie).expect(200);
  expect(back.body.user).toEqual({ id: 'patient-user', source: 'app' });
  await request(t.url)
    .get('/livelike/token')
    .set('Authorization', `Bearer ${sessionToken}`)
    .expect(200);
});
