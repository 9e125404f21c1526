import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

const ROOT = resolve(__dirname, '../..');

/** A client registered at the provider (OpenID Connect Dynamic Registration's metadata names). */
export interface OpenIdClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
}

export interface OpenIdProviderOptions {
  clients: OpenIdClient[];
  /** Its signing keys (private JWKs): a test may sign its own tokens with them. */
  keys: JWK[];
  port?: number;
  idTokenTtlSeconds?: number;
}

export interface OpenIdProviderEvent {
  event: string;
  client?: string;
  sub?: string;
  sid?: string;
  error?: string;
  issuer?: string;
}

export interface OpenIdProvider {
  /** http://127.0.0.1:port: the issuer, and where discovery starts. */
  issuer: string;
  /** The private signing key (RS256) its ID and logout tokens are signed with. */
  signingKey: JWK;
  /** Resolves with the next event line the provider prints that `matches`. */
  nextEvent(matches: (e: OpenIdProviderEvent) => boolean): Promise<OpenIdProviderEvent>;
  close(): Promise<void>;
}

/** A fresh RS256 signing key as a private JWK, with a `kid`. */
export async function signingJwk(kid = 'op-key-1'): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

const START_TIMEOUT_MS = 20_000;

/**
 * Starts panva's oidc-provider in a child process on 127.0.0.1 (test/support/openid-provider-
 * main.ts): dev interactions (its own login form: any name, any password), RP-initiated logout
 * and back-channel logout on. Everything it prints is an event line.
 */
export async function startOpenIdProvider(
  options: Omit<OpenIdProviderOptions, 'keys'> & { keys?: JWK[] },
): Promise<OpenIdProvider> {
  const keys = options.keys ?? [await signingJwk()];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, 'test/support/openid-provider-main.ts')],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, OP_OPTIONS: JSON.stringify({ ...options, keys }) },
    },
  );
  const events: OpenIdProviderEvent[] = [];
  const waiters: {
    matches: (e: OpenIdProviderEvent) => boolean;
    done: (e: OpenIdProviderEvent) => void;
  }[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event: OpenIdProviderEvent;
    try {
      event = JSON.parse(line) as OpenIdProviderEvent;
    } catch {
      return; // not one of ours (a library's own output)
    }
    const waiter = waiters.find((w) => w.matches(event));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.done(event);
    } else events.push(event);
  });
  const nextEvent = (matches: (e: OpenIdProviderEvent) => boolean) =>
    new Promise<OpenIdProviderEvent>((done, fail) => {
      const seen = events.find(matches);
      if (seen) {
        events.splice(events.indexOf(seen), 1);
        return done(seen);
      }
      waiters.push({ matches, done });
      child.once('exit', (code) => fail(new Error(`the provider exited (${code}): ${stderr}`)));
    });
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  try {
    const { issuer } = await nextEvent((e) => e.event === 'listening');
    clearTimeout(timer);
    if (!issuer) throw new Error('the provider said no issuer');
    return { issuer, signingKey: keys[0]!, nextEvent, close };
  } catch (err) {
    clearTimeout(timer);
    await close();
    throw err;
  }
}
