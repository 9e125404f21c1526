import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';

export interface DemoIdentityProviderOptions {
  /** The HS256 secret the service verifies ID tokens with (its APP_JWT_SECRET). */
  secret: string;
  /** The one page a login returns to (the console), with `#id_token=…&state=…`. */
  returnTo: string;
  /** `aud` of the tokens (the service's APP_JWT_AUDIENCE). */
  audience: string;
  /** ID token lifetime. */
  ttlSeconds?: number;
}

export interface DemoIdentityProvider {
  /** http://127.0.0.1:port; also the tokens' `iss`. */
  url: string;
  /** `${url}/login`: the page with the user-name form. */
  loginUrl: string;
  close(): Promise<void>;
}

const MAX_USER_LENGTH = 255;
const MAX_FORM_BYTES = 4096;
/**
 * The console starts a sign-in with a nonce of its own as `state` and signs in from the answer
 * only when the same nonce comes back, so a token in a link someone else made is not used
 * (login CSRF). URL-safe and bounded, so it goes into the form and the fragment as it is.
 */
const STATE = /^[A-Za-z0-9_-]{16,128}$/;

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function page(res: ServerResponse, status: number, message = '', state?: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    // No form-action: the form's answer redirects to the console, which 'self' would block.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'Cache-Control': 'no-store',
  });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo identity provider</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
input,button{font:inherit;padding:.4rem}.error{color:#b42318}</style></head>
<body><h1>Demo identity provider</h1>
<p>Anyone may be anyone here: type a user name and you are signed in as that user.</p>
${message ? `<p class="error">${escapeHtml(message)}</p>` : ''}
${
  state === undefined
    ? ''
    : `<form method="post" action="/login">
<input type="hidden" name="state" value="${escapeHtml(state)}">
<label for="user">User name</label>
<input id="user" name="user" autocomplete="username" maxlength="${MAX_USER_LENGTH}" required autofocus>
<button type="submit">Sign in</button>
</form>`
}</body></html>`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * An app's identity provider, for `npm run demo`: a login page that asks only for a user name
 * and sends the browser back to the console with an HS256 ID token in the URL fragment (the
 * fragment never reaches a server, so the token goes only to the page's script), next to the
 * `state` the console started the sign-in with.
 */
export async function startDemoIdentityProvider(
  opts: DemoIdentityProviderOptions,
): Promise<DemoIdentityProvider> {
  const key = new TextEncoder().encode(opts.secret);
  const ttl = opts.ttlSeconds ?? 3600;
  let issuer = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    if (url.pathname !== '/login') return page(res, 404, 'No such page: the login is at /login.');
    if (req.method !== 'GET' && req.method !== 'POST') return page(res, 405, 'Use the form.');
    const form = req.method === 'POST' ? await readForm(req) : undefined;
    const state =
      (req.method === 'POST' ? form?.get('state') : url.searchParams.get('state')) ?? '';
    // No form to fill without one: the console would ignore the token this page sent back.
    if (!STATE.test(state)) {
      return page(res, 400, 'Start the sign-in from the console (it sends the state it expects).');
    }
    if (req.method === 'GET') return page(res, 200, '', state);
    const user = form?.get('user')?.trim() ?? '';
    if (user.length === 0 || user.length > MAX_USER_LENGTH) {
      return page(res, 400, `Type a user name of 1 to ${MAX_USER_LENGTH} characters.`, state);
    }
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user)
      .setIssuer(issuer)
      .setAudience(opts.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .sign(key);
    // Always the configured page: a login provider that redirects wherever it is asked to
    // hands tokens to whoever asks.
    const target = new URL(opts.returnTo);
    target.hash = new URLSearchParams({ id_token: idToken, state }).toString();
    res.writeHead(303, { Location: target.href, 'Cache-Control': 'no-store' }).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else page(res, 500, 'The demo provider failed.');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}`;
  return {
    url: issuer,
    loginUrl: `${issuer}/login`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
