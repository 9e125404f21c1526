import type { Express } from 'express';
import { decodeJwt } from 'jose';
import type { BackchannelConfig, Config } from '../config';
import type { AppTokenSignInHook } from '../session/session-lifecycle';
import { FlowStore } from '../oauth/flow-store';
import type { AreaDeps, Provider, StoreDeps } from '../area/provider';
import { backchannelRoute } from './backchannel-route';
import { loginRoutes } from './login-routes';
import type { LogoutTokenSource } from './logout-token';
import { IDENTITY_PROVIDER } from './names';
import { oidcChecks } from './oidc-checks';
import { registerOidcPaths } from './oidc-openapi';
import { RelyingParty } from './relying-party';
import { SignInRecords } from './sign-in-records';

// As LikeCoin's state: a sign-in may take ten minutes at the provider.
const STATE_TTL_MS = 10 * 60 * 1000;
// Discovery, the token endpoint and its keys, each call as a whole.
const PROVIDER_TIMEOUT_MS = 10_000;

/**
 * The app's own identity provider (OpenID Connect): browsers sign in at /login and out at
 * /logout, and the provider ends sessions at POST /backchannel-logout. Its users are the app's
 * users (plain ids, source `oidc`), so it is not a `<name>:<id>` sign-in provider.
 */
export const appIdentityProvider: Provider = {
  ...IDENTITY_PROVIDER,
  summary: "Sign-in through the app's OpenID Provider, and its back-channel logout",
  signsIn: false,
  namedCodes: false,
  sessionPaths: ({ appOidc: { relyingParty } }) =>
    relyingParty ? ['/login', relyingParty.redirectUri.pathname, '/logout'] : [],
  registerPaths: registerOidcPaths,
  doctorChecks: (config) => oidcChecks(config.appOidc.relyingParty, PROVIDER_TIMEOUT_MS),
  open: (core) => {
    const signIns = new SignInRecords({
      kv: core.kv,
      box: core.box,
      ttlMs: core.config.session.maxAgeSeconds * 1000,
    });
    return {
      onAppTokenSignIn: appTokenSignIns(core.config, signIns),
      area: (deps) => ({ mount: (app) => mountOidc(app, core, deps, signIns) }),
    };
  },
};

function mountOidc(app: Express, core: StoreDeps, deps: AreaDeps, signIns: SignInRecords): void {
  const { config } = deps;
  const { relyingParty, backchannelLogout } = config.appOidc;
  const rp =
    relyingParty &&
    new RelyingParty({
      config: relyingParty,
      timeoutMs: PROVIDER_TIMEOUT_MS,
      retryAfterSeconds: config.limits.providerRetryAfterSeconds,
    });
  if (backchannelLogout) {
    app.use(
      backchannelRoute({
        kv: core.kv,
        index: deps.lifecycle.index,
        signIns,
        source: logoutTokenSource(backchannelLogout, rp),
        limits: config.limits,
        limiter: deps.rateLimits.perIp('backchannel-logout', backchannelLogout.perIpPerMinute),
        audit: core.audit,
        now: deps.now,
      }),
    );
  }
  if (!relyingParty || !rp) return;
  app.use(
    loginRoutes({
      config,
      relyingParty,
      rp,
      flows: new FlowStore(core.kv, core.box, {
        namespace: IDENTITY_PROVIDER.name,
        ttlMs: STATE_TTL_MS,
        maxOpenPerSession: config.limits.openFlowsPerSession,
      }),
      signIns,
      stateTtlMs: STATE_TTL_MS,
      rateLimits: deps.rateLimits.oauthFlow(IDENTITY_PROVIDER.name),
      sessionStore: deps.sessionStore,
      lifecycle: deps.lifecycle,
      rejectDeadCredential: deps.rejectDeadCredential,
      userClaim: relyingParty.userClaim,
      now: deps.now,
    }),
  );
}

/** The relying party's provider (discovered), or the APP_JWT_* settings without one. */
function logoutTokenSource(
  config: BackchannelConfig,
  rp: RelyingParty | undefined,
): () => Promise<LogoutTokenSource> {
  if (config.source === 'app_jwt') {
    const { appJwt } = config;
    const keys = appJwt.secret ? { secret: appJwt.secret } : { jwksUri: appJwt.jwksUrl as URL };
    const source: LogoutTokenSource = { issuer: appJwt.issuer, audience: appJwt.audience, keys };
    return async () => source;
  }
  // config/app-oidc.ts names the relying party as the source only when there is one.
  if (!rp) throw new Error('APP_BACKCHANNEL_LOGOUT: no relying party to take keys from');
  return async () => {
    const { issuer, audience, jwksUri } = await rp.logoutTokenSource();
    return { issuer, audience, keys: { jwksUri } };
  };
}

/**
 * Sign-ins with the app's ID token (POST /session) are kept too when back-channel logout is on
 * and the token comes from the issuer that sends logout tokens: a logout naming its `sub` or
 * `sid` ends those sessions as well. POST /session has verified the token just before.
 */
function appTokenSignIns(config: Config, signIns: SignInRecords): AppTokenSignInHook | undefined {
  const { backchannelLogout, relyingParty } = config.appOidc;
  if (!backchannelLogout) return undefined;
  const issuer =
    backchannelLogout.source === 'app_jwt'
      ? backchannelLogout.appJwt.issuer
      : (relyingParty?.issuer.href ?? '');
  return async (handle, userId, idToken) => {
    const { iss, sub, sid } = decodeJwt(idToken);
    if (!isClaim(sub) || (sid !== undefined && !isClaim(sid)) || !sameIssuer(iss, issuer)) return;
    await signIns.record(sub, { userId, handle, sid });
  };
}

const isClaim = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= 255;

/** `https://id.example` and `https://id.example/` name one issuer (discovery writes either). */
function sameIssuer(iss: unknown, issuer: string): boolean {
  if (typeof iss !== 'string') return false;
  if (iss === issuer) return true;
  try {
    return new URL(iss).href === new URL(issuer).href;
  } catch {
    return false;
  }
}
