import { z } from 'zod';
import type { AppJwtConfig, Findings } from './types';

/**
 * The app's identity provider as an OpenID Connect relying party (`APP_OIDC_*`, GET /login) and
 * as the sender of back-channel logout tokens (`APP_BACKCHANNEL_LOGOUT`). Kept apart from
 * sections.ts: one concern, read from the same parsed environment.
 */
export const appOidcEnv = {
  APP_OIDC_ISSUER: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  APP_OIDC_CLIENT_ID: z.string().optional(),
  APP_OIDC_CLIENT_SECRET: z.string().optional(),
  APP_OIDC_SCOPES: z.string().default('openid profile'),
  APP_OIDC_REDIRECT_URI: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .optional(),
  APP_BACKCHANNEL_LOGOUT: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  RATE_LIMIT_BACKCHANNEL_LOGOUT_PER_IP: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be at least 0' })
    .max(1_000_000, { error: 'must be at most 1000000' })
    // One identity provider sends every user's logout from one address: generous by default.
    .default(600),
};

type AppOidcEnv = z.infer<z.ZodObject<typeof appOidcEnv>> & { APP_JWT_USER_CLAIM: string };

export interface RelyingPartyConfig {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  /** Registered at the provider; GET /login/callback is served at its path. */
  readonly redirectUri: URL;
  /** Development only: an http: issuer on loopback (openid-client refuses http: otherwise). */
  readonly allowHttp: boolean;
  /** The ID token claim that holds the user id (APP_JWT_USER_CLAIM, as POST /session reads). */
  readonly userClaim: string;
}

/** Whose logout tokens POST /backchannel-logout accepts, and how they are checked. */
export type BackchannelConfig =
  /** The relying party's provider: keys from its discovery document, audience its client id. */
  | { readonly source: 'relying_party'; readonly perIpPerMinute: number }
  /** No relying party: the APP_JWT_* settings POST /session verifies ID tokens with. */
  | {
      readonly source: 'app_jwt';
      readonly perIpPerMinute: number;
      readonly appJwt: AppJwtConfig & { issuer: string; audience: string };
    };

export interface AppOidcConfig {
  /** Undefined: no /login, /login/callback, /logout. */
  readonly relyingParty: RelyingPartyConfig | undefined;
  /** Undefined: no POST /backchannel-logout. */
  readonly backchannelLogout: BackchannelConfig | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function appOidcFrom(
  e: AppOidcEnv,
  f: Findings,
  publicBaseUrl: URL,
  appJwt: AppJwtConfig | undefined,
): AppOidcConfig {
  const relyingParty = relyingPartyFrom(e, f, publicBaseUrl);
  return { relyingParty, backchannelLogout: backchannelFrom(e, f, relyingParty, appJwt) };
}

function relyingPartyFrom(
  e: AppOidcEnv,
  f: Findings,
  publicBaseUrl: URL,
): RelyingPartyConfig | undefined {
  const { APP_OIDC_ISSUER: issuer, APP_OIDC_CLIENT_ID: id, APP_OIDC_CLIENT_SECRET: secret } = e;
  if (!issuer && !id && !secret) return undefined;
  const missing = [
    ['APP_OIDC_ISSUER', issuer],
    ['APP_OIDC_CLIENT_ID', id],
    ['APP_OIDC_CLIENT_SECRET', secret],
  ].filter(([, v]) => !v);
  for (const [name] of missing) {
    f.problems.push(`${name}: required with the other APP_OIDC_* settings (a confidential client)`);
  }
  if (!issuer || !id || !secret) return undefined;
  const url = new URL(issuer);
  const allowHttp = url.protocol === 'http:';
  if (allowHttp && (f.production || !LOOPBACK.has(url.hostname))) {
    f.problems.push(
      'APP_OIDC_ISSUER: must be https: (http: is accepted only on loopback, in development)',
    );
  }
  const scopes = e.APP_OIDC_SCOPES.split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) f.problems.push('APP_OIDC_SCOPES: must include openid');
  return {
    issuer: url,
    clientId: id,
    clientSecret: secret,
    scopes,
    redirectUri: new URL(e.APP_OIDC_REDIRECT_URI ?? new URL('/login/callback', publicBaseUrl)),
    allowHttp,
    userClaim: e.APP_JWT_USER_CLAIM,
  };
}

function backchannelFrom(
  e: AppOidcEnv,
  f: Findings,
  relyingParty: RelyingPartyConfig | undefined,
  appJwt: AppJwtConfig | undefined,
): BackchannelConfig | undefined {
  if (!e.APP_BACKCHANNEL_LOGOUT) return undefined;
  const perIpPerMinute = e.RATE_LIMIT_BACKCHANNEL_LOGOUT_PER_IP;
  if (relyingParty) return { source: 'relying_party', perIpPerMinute };
  // Without an issuer and an audience to check, any token the keys ever signed would end sessions.
  if (!appJwt || !appJwt.issuer || !appJwt.audience) {
    f.problems.push(
      'APP_BACKCHANNEL_LOGOUT: needs APP_OIDC_* or APP_JWT_SECRET/APP_JWKS_URL with APP_JWT_ISSUER and APP_JWT_AUDIENCE',
    );
    return undefined;
  }
  return {
    source: 'app_jwt',
    perIpPerMinute,
    appJwt: { ...appJwt, issuer: appJwt.issuer, audience: appJwt.audience },
  };
}
