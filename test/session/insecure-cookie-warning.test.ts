import express from 'express';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { insecureCookieWarning } from '../../src/session/insecure-cookie-warning';
import { appIdToken } from '../support/app-tokens';
import { withTestApp, type TestApp } from '../support/test-app';

// The shipped compose setup's old failure: an https PUBLIC_BASE_URL, a request that Express does
// not see as secure, POST /session 200 without Set-Cookie, and not a word in the log.

const HTTPS_BASE = { PUBLIC_BASE_URL: 'https://bff.example' };

const warnings = (t: TestApp) =>
  t.logs.entries().filter((e) => e.level === 40 && /got no cookie/.test(String(e.msg)));

const signIn = (t: TestApp, headers: Record<string, string> = {}) =>
  request(t.url)
    .post('/session')
    .set(headers)
    .send({ id_token: appIdToken({ sub: 'alice' }) })
    .expect(200);

it('logs why a login over plain HTTP got no Secure cookie, once per interval', async () => {
  await withTestApp({ env: HTTPS_BASE }, async (t) => {
    const first = await signIn(t);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(typeof first.body.session_token).toBe('string');
    await signIn(t);
    await signIn(t);
    const lines = warnings(t);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(
      /came over plain HTTP with no proxy in between: serve HTTPS \(TLS_CERT_FILE and TLS_KEY_FILE\), or put a TLS-terminating proxy in front and set TRUST_PROXY/,
    );
    // The line carries the request id, so it can be matched to the answer the client saw.
    expect(lines[0]!.reqId).toBe(first.headers['x-request-id']);
  });
});

it.each<[string, Record<string, string>, Record<string, string>, RegExp]>([
  [
    'a proxy says https, but TRUST_PROXY is unset',
    {},
    { 'X-Forwarded-Proto': 'https' },
    /sent X-Forwarded-Proto: https, which counts only from a proxy TRUST_PROXY names: set TRUST_PROXY/,
  ],
  [
    'a proxy says https from an address TRUST_PROXY does not name',
    { TRUST_PROXY: '10.0.0.1' },
    { 'X-Forwarded-Proto': 'https' },
    /a proxy at \S*127\.0\.0\.1 sent X-Forwarded-Proto: https, but TRUST_PROXY \(10\.0\.0\.1\) does not cover it/,
  ],
  [
    'TRUST_PROXY is set, but the proxy does not say https',
    { TRUST_PROXY: 'loopback' },
    {},
    /TRUST_PROXY is set, but no X-Forwarded-Proto: https came with it/,
  ],
])('names the setting to fix when %s', async (_name, env, headers, advice) => {
  await withTestApp({ env: { ...HTTPS_BASE, ...env } }, async (t) => {
    const res = await signIn(t, headers);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(warnings(t).map((e) => e.msg)).toEqual([expect.stringMatching(advice)]);
  });
});

it('is silent when the trusted proxy says https: the Secure __Host- cookie is set', async () => {
  await withTestApp({ env: { ...HTTPS_BASE, TRUST_PROXY: 'loopback' } }, async (t) => {
    const res = await signIn(t, { 'X-Forwarded-Proto': 'https' });
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^__Host-token-bff=s%3A.*; Secure/);
    // A bearer call over plain HTTP sets no cookie and needs none: nothing to warn about.
    await request(t.url)
      .get('/session')
      .set('Authorization', `Bearer ${res.body.session_token}`)
      .expect(200);
    expect(warnings(t)).toEqual([]);
  });
});

it('is silent for plain-HTTP development (PUBLIC_BASE_URL http:)', async () => {
  await withTestApp({}, async (t) => {
    const res = await signIn(t);
    expect(res.headers['set-cookie']).toBeDefined();
    expect(warnings(t)).toEqual([]);
  });
});

it('warns again once the interval has passed', async () => {
  let clock = 0;
  const warn = insecureCookieWarning(
    { secrets: ['x'], ttlSeconds: 60, maxAgeSeconds: 60, cookieName: 'c', secureCookie: true },
    () => clock,
    1000,
  );
  const lines: string[] = [];
  const app = express();
  app.use((req, res) => {
    // What a login leaves on the request: a live session under a new id, and a request logger.
    Object.assign(req, { log: { warn: (msg: string) => lines.push(msg) } });
    warn(req, res, '');
    Object.assign(req, { sessionID: 'new', session: { createdAt: clock } });
    res.end();
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const at of [0, 999, 1000, 1500, 2000]) {
      clock = at;
      await request(url).get('/').expect(200);
    }
  } finally {
    server.close();
  }
  expect(lines).toHaveLength(3);
});
