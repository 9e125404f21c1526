import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config';
import { CONSOLE_ASSETS_DIR, CONSOLE_CSP } from '../../src/console/console-routes';
import { startEmbeddedApp, type EmbeddedTestApp } from '../support/test-app';
import { inlineContentOf } from './inline-content';

const API_CSP = "default-src 'none';frame-ancestors 'none'";

describe('the console, enabled (the default outside production)', () => {
  let t: EmbeddedTestApp;
  beforeAll(async () => {
    t = await startEmbeddedApp({
      env: { CONSOLE_DEMO_LOGIN_URL: 'http://127.0.0.1:4001/login' },
    });
  });
  afterAll(() => t.close());

  it.each(['/console', '/console/'])(
    '%s serves the page under its own, loosened policy',
    async (url) => {
      const res = await request(t.app).get(url);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.text).toContain('<script type="module" src="/console/console.js"></script>');
      expect(res.text).toContain('<h1>token-bff console</h1>');
    },
  );

  it('loosens only what the page needs: its own script, style, fetches and forms', () => {
    expect(CONSOLE_CSP.split('; ').sort()).toEqual(
      [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ].sort(),
    );
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
  });

  it('serves its script and style sheet with their types', async () => {
    const js = await request(t.app).get('/console/console.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    // The reference frontend calls the service only through the frontend client.
    expect(js.text).toContain("from '/client/token-bff-client.js'");
    expect(js.text).not.toMatch(/X-CSRF|credentials:\s*'include'/);
    const css = await request(t.app).get('/console/console.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('tells the page the demo login URL in config.json', async () => {
    const res = await request(t.app).get('/console/config.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ demo_login_url: 'http://127.0.0.1:4001/login' });
  });

  it.each(['/healthz', '/session', '/livelike/token', '/console/config.json', '/nope'])(
    '%s keeps the API policy default-src none',
    async (url) => {
      const res = await request(t.app).get(url);
      expect(res.headers['content-security-policy']).toBe(API_CSP);
    },
  );

  it.each(['/console/index.html', '/console/%2e%2e/package.json', '/console/../package.json'])(
    'serves nothing else from the folder: %s is a 404 problem',
    async (url) => {
      const res = await request(t.app).get(url);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('not_found');
    },
  );
});

describe('config.json without a demo login', () => {
  it('says null, so the page offers only the pasted ID token', async () => {
    const t = await startEmbeddedApp();
    try {
      const res = await request(t.app).get('/console/config.json');
      expect(res.body).toEqual({ demo_login_url: null });
    } finally {
      await t.close();
    }
  });
});

describe('the console, disabled', () => {
  it('CONSOLE_ENABLED=false makes /console a 404 like any unknown path', async () => {
    const t = await startEmbeddedApp({ env: { CONSOLE_ENABLED: 'false' } });
    try {
      for (const url of ['/console', '/console/console.js', '/console/config.json']) {
        const res = await request(t.app).get(url);
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ status: 404, code: 'not_found' });
        expect(res.headers['content-security-policy']).toBe(API_CSP);
      }
    } finally {
      await t.close();
    }
  });
});

describe('CONSOLE_* configuration', () => {
  const PRODUCTION = {
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: 'https://bff.example',
    SESSION_SECRET: 's'.repeat(32),
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    REDIS_URL: 'redis://127.0.0.1:6379',
  };
  const problemsOf = (env: Record<string, string>): readonly string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it('is on by default in development, off in production unless asked for', () => {
    expect(loadConfig({}).config.console).toEqual({ enabled: true, demoLoginUrl: undefined });
    expect(loadConfig(PRODUCTION).config.console.enabled).toBe(false);
    expect(loadConfig({ ...PRODUCTION, CONSOLE_ENABLED: 'true' }).config.console.enabled).toBe(
      true,
    );
    expect(loadConfig({ CONSOLE_ENABLED: '0' }).config.console.enabled).toBe(false);
  });

  it('names the variable when a value is bad', () => {
    expect(problemsOf({ CONSOLE_ENABLED: 'yes' })).toEqual([
      'CONSOLE_ENABLED: must be true or false',
    ]);
    expect(problemsOf({ CONSOLE_DEMO_LOGIN_URL: 'javascript:alert(1)' })).toEqual([
      'CONSOLE_DEMO_LOGIN_URL: must be an http(s) URL',
    ]);
  });
});

describe('console/index.html', () => {
  const html = readFileSync(path.join(CONSOLE_ASSETS_DIR, 'index.html'), 'utf8');

  it('has no inline script, style, event handler or javascript: URL', () => {
    expect(inlineContentOf(html)).toEqual([]);
  });

  it('loads only its own script and style sheet', () => {
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls.filter((u) => u !== undefined && !u.startsWith('/') && u !== '#')).toEqual([
      'data:,', // the empty favicon (img-src data:)
    ]);
  });

  it('the scanner catches each kind of inline content (so the checks above can fail)', () => {
    expect(
      inlineContentOf(
        '<script>alert(1)</script><style>p{}</style><p style="color:red" onclick="x()">' +
          '<a href="javascript:void 0">x</a><SCRIPT SRC="/x.js"></SCRIPT>',
      ),
    ).toEqual([
      '<script> without src',
      '<script> with inline content',
      '<style> element',
      'style attribute on <p>',
      'onclick handler on <p>',
      'javascript: URL in href on <a>',
    ]);
  });
});
