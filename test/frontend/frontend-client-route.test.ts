import { readFileSync } from 'node:fs';
import request from 'supertest';
import { CLIENT_MODULE_FILE } from '../../src/frontend/mount-frontend-client';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { CORS_ORIGINS: 'https://app.example' } });
});
afterAll(() => t.close());

describe('GET /client/token-bff-client.js', () => {
  it('serves the built client as a JavaScript module, revalidated on every load', async () => {
    const res = await request(t.url).get('/client/token-bff-client.js').expect(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toBe(readFileSync(CLIENT_MODULE_FILE, 'utf8'));
    expect(res.text).toContain('export function createTokenBff(');
  });

  it('answers 304 to a page that has this version', async () => {
    const first = await request(t.url).get('/client/token-bff-client.js').expect(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await request(t.url)
      .get('/client/token-bff-client.js')
      .set('If-None-Match', etag)
      .expect(304);
    expect(again.text ?? '').toBe('');
    await request(t.url)
      .get('/client/token-bff-client.js')
      .set('If-None-Match', '"another-version"')
      .expect(200);
  });

  it('lets a page of an allowed origin import it, and no other origin', async () => {
    const allowed = await request(t.url)
      .get('/client/token-bff-client.js')
      .set('Origin', 'https://app.example')
      .expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const foreign = await request(t.url)
      .get('/client/token-bff-client.js')
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('is the only file served under /client', async () => {
    const res = await request(t.url).get('/client/token-bff-client.d.ts').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
