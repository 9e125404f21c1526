import request from 'supertest';
import { problems } from '../../src/http/problems';
import { renderHtmlProblem, wantsHtml } from '../../src/http/html-problem';
import { expectDocumented } from '../support/openapi-conformance';
import {
  atProvider,
  browserStarts,
  pathOf,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { AUTHORIZE_FAILURE_TEXT } from '../support/likecoin-stand-in';
import { storedKeys } from '../support/test-app';

// What browsers send on a navigation (Chrome, Firefox, Safari).
const BROWSER_ACCEPTS = [
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
];
const BROWSER = BROWSER_ACCEPTS[0]!;
// PUBLIC_BASE_URL with a path, so the page's link (PUBLIC_BASE_URL) and the redirect of an
// error without state (its root) can be told apart. The redirect URI stays at the root.
const PUBLIC_BASE_URL = 'http://localhost:3000/app/';

let s: LikeCoinSetup;
beforeAll(async () => {
  s = await startWithLikeCoin({ PUBLIC_BASE_URL, RATE_LIMIT_OAUTH_PER_IP: '1000' });
});
afterAll(() => s.close());
afterEach(() => {
  s.provider.behaviour.token = 'ok';
  s.provider.behaviour.authorize = 'approve';
});

const tokenCalls = () => s.provider.count('/oauth/access_token');

/** A browser that started a flow and came back from the provider: its cookie and callback. */
async function cameBack() {
  const { cookie, authorizationUrl } = await browserStarts(s.t);
  const callback = await atProvider(authorizationUrl);
  return { cookie, callback };
}

function expectCallbackHeaders(res: request.Response) {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
}

/** A page for a person: the status, the code, the sentence, a link home; nothing to run. */
function expectPage(res: request.Response, status: number, code: string, sentence: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
  expectCallbackHeaders(res);
  expect(res.text).toMatch(/^<!doctype html>/);
  expect(res.text).toContain(`<code>${code}</code> (HTTP ${status} `);
  expect(res.text).toMatch(sentence);
  expect(res.text).toContain(`<a href="${PUBLIC_BASE_URL}">Start again</a>`);
  expect(res.text).not.toMatch(/<script|<style|style=|\bon\w+=|"code":/i);
}

describe('a browser coming back with a state that cannot be used gets a page', () => {
  const EXPIRED = /This sign-in link has expired or was already used; start again\./;

  it('a state that expired while the user read the consent page', async () => {
    const { cookie, callback } = await cameBack();
    // What expiry does: the store no longer holds the state.
    const key = `likecoin:state:${callback.searchParams.get('state')}`;
    expect(await storedKeys(s.t, key)).toHaveLength(1);
    await s.t.kv.del(key);
    expect(await storedKeys(s.t, key)).toEqual([]);
    const before = tokenCalls();
    const res = await request(s.t.url)
      .get(pathOf(callback))
      .set('Cookie', cookie)
      .set('Accept', BROWSER);
    expectPage(res, 400, 'invalid_state', EXPIRED);
    expect(tokenCalls()).toBe(before);
    await expectDocumented(res);
  });

  it.each(BROWSER_ACCEPTS.map((a, i) => [i, a] as const))(
    'a replayed callback (browser Accept #%i)',
    async (_i, accept) => {
      const { cookie, callback } = await cameBack();
      await request(s.t.url).get(pathOf(callback)).set('Cookie', cookie).expect(302);
      const before = tokenCalls();
      const res = await request(s.t.url)
        .get(pathOf(callback))
        .set('Cookie', cookie)
        .set('Accept', accept);
      expectPage(res, 400, 'invalid_state', EXPIRED);
      expect(tokenCalls()).toBe(before);
    },
  );

  it('an unknown state', async () => {
    const res = await request(s.t.url)
      .get('/likecoin/callback?code=abc&state=made-up')
      .set('Accept', BROWSER);
    expectPage(res, 400, 'invalid_state', EXPIRED);
  });
});

describe('other clients keep problem+json', () => {
  it.each<[string, string | undefined]>([
    ['*/*', '*/*'],
    ['application/json', 'application/json'],
    ['no Accept at all', undefined],
    ['JSON preferred over HTML', 'application/json, text/html;q=0.5'],
    ['HTML refused', 'text/html;q=0, */*'],
  ])('%s', async (_name, accept) => {
    const { cookie, callback } = await cameBack();
    await request(s.t.url).get(pathOf(callback)).set('Cookie', cookie).expect(302);
    const before = tokenCalls();
    const replay = request(s.t.url).get(pathOf(callback)).set('Cookie', cookie);
    const res = await (accept === undefined
      ? replay.unset('Accept')
      : replay.set('Accept', accept));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('invalid_state');
    expectCallbackHeaders(res);
    expect(res.headers['vary']).toMatch(/Accept/);
    expect(tokenCalls()).toBe(before);
    await expectDocumented(res);
  });
});

describe("the provider's failures, as a page", () => {
  const PROVIDER_TEXT = 'Provider-Says-<b>Weird</b>-Thing-7e1';

  it('a refused code exchange: 502 provider_error, the provider text not on the page', async () => {
    const { cookie, callback } = await cameBack();
    s.provider.behaviour.token = 'canned';
    s.provider.behaviour.canned = { status: 400, contentType: 'text/plain', body: PROVIDER_TEXT };
    const res = await request(s.t.url)
      .get(pathOf(callback))
      .set('Cookie', cookie)
      .set('Accept', BROWSER);
    expectPage(res, 502, 'provider_error', /The sign-in provider refused or failed/);
    expect(res.text).not.toContain('Weird');
    await expectDocumented(res);
  });

  it('a provider failing with a 500: a 5xx page, its text not on it', async () => {
    const { cookie, callback } = await cameBack();
    s.provider.behaviour.token = 'server_error';
    const res = await request(s.t.url)
      .get(pathOf(callback))
      .set('Cookie', cookie)
      .set('Accept', BROWSER);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).not.toContain('Internal Server Error');
    expectCallbackHeaders(res);
  });
});

describe('an error with no state at all goes home', () => {
  it.each<[string, string]>([
    ['denied', 'access_denied'],
    ['access_denied', 'access_denied'],
    [AUTHORIZE_FAILURE_TEXT, 'provider_error'],
    ['<script>alert(1)</script>', 'provider_error'],
    ['server_error', 'provider_error'],
  ])('error=%p ⇒ 302 to the root with error=%s', async (error, outcome) => {
    const before = tokenCalls();
    for (const accept of [BROWSER, '*/*']) {
      const res = await request(s.t.url)
        .get(`/likecoin/callback?error=${encodeURIComponent(error)}`)
        .set('Accept', accept);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(`http://localhost:3000/?error=${outcome}`);
      expectCallbackHeaders(res);
      if (!outcome.includes(error)) expect(res.text).not.toContain(error);
      await expectDocumented(res);
    }
    expect(tokenCalls()).toBe(before);
  });

  it("as LikeCoin's consent page really sends it, leaving open flows open", async () => {
    const { cookie, authorizationUrl } = await browserStarts(s.t);
    const open = await browserStarts(s.t);
    s.provider.behaviour.authorize = 'fail';
    const failed = await atProvider(authorizationUrl);
    expect(failed.searchParams.has('state')).toBe(false);
    const res = await request(s.t.url)
      .get(pathOf(failed))
      .set('Cookie', cookie)
      .set('Accept', BROWSER);
    expect(res.headers.location).toBe('http://localhost:3000/?error=provider_error');
    // Nothing was taken: another flow of the same browser still completes.
    s.provider.behaviour.authorize = 'approve';
    await request(s.t.url)
      .get(pathOf(await atProvider(open.authorizationUrl)))
      .set('Cookie', open.cookie)
      .expect(302)
      .expect('Location', 'https://app.example/done');
  });

  it('neither state nor error: 400 invalid_state, as a page for a browser', async () => {
    const res = await request(s.t.url).get('/likecoin/callback?code=abc').set('Accept', BROWSER);
    expectPage(res, 400, 'invalid_state', /expired or was already used/);
  });
});

it('a browser over the per-IP limit gets the 429 as a page too, with Retry-After', async () => {
  const limited = await startWithLikeCoin({ PUBLIC_BASE_URL, RATE_LIMIT_OAUTH_PER_IP: '1' });
  try {
    const callback = () =>
      request(limited.t.url).get('/likecoin/callback?code=a&state=b').set('Accept', BROWSER);
    expectPage(await callback(), 400, 'invalid_state', /expired or was already used/);
    const res = await callback();
    expectPage(res, 429, 'rate_limited', /Too many attempts/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  } finally {
    await limited.close();
  }
});

describe('the page itself', () => {
  it('escapes everything it shows', () => {
    const html = renderHtmlProblem(problems.invalidState(), {
      heading: 'A <b>"heading"</b> & more',
      home: new URL('https://bff.example/a?b=1&c="x"'),
    });
    expect(html).toContain('<h1>A &lt;b&gt;&quot;heading&quot;&lt;/b&gt; &amp; more</h1>');
    expect(html).toContain('<a href="https://bff.example/a?b=1&amp;c=%22x%22">');
  });

  it.each<[string | undefined, boolean]>([
    [BROWSER_ACCEPTS[0], true],
    [BROWSER_ACCEPTS[1], true],
    ['TEXT/HTML', true],
    ['text/html;q=0.9, application/json;q=0.9', true],
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['text/*', false],
    ['application/json', false],
    ['application/problem+json, text/html;q=0.8', false],
    ['text/html;q=0', false],
    ['text/html;q=banana', false],
    [`${'x/y,'.repeat(40)}text/html`, false],
  ])('Accept %p ⇒ a page: %p', (accept, page) => {
    expect(wantsHtml(accept)).toBe(page);
  });
});
