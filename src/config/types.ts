import type { AppOidcConfig } from './app-oidc';
import type { Limits } from './limits';
import type { RedisTopology } from './redis-topology';

/** The typed, frozen configuration. `loadConfig` is the only reader of the environment. */
export interface Config {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** The internal listener (INTERNAL_PORT, INTERNAL_HOST); undefined: none. */
  readonly internal: InternalListenerConfig | undefined;
  readonly publicBaseUrl: URL;
  readonly trustProxy: boolean | number | string | undefined;
  readonly session: SessionConfig;
  readonly redis: {
    /** Undefined: no Redis configured, the embedded store (never in production). */
    readonly topology: RedisTopology | undefined;
    readonly keyPrefix: string;
  };
  readonly corsOrigins: readonly string[];
  readonly allowedReturnTo: readonly string[];
  readonly appJwt: AppJwtConfig | undefined;
  /** The app's identity provider: sign-in at /login, back-channel logout. */
  readonly appOidc: AppOidcConfig;
  readonly livelike: LiveLikeConfig;
  readonly likecoin: LikeCoinConfig;
  /** First encrypts, all decrypt. 32 bytes each. */
  readonly tokenEncryptionKeys: readonly Uint8Array[];
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
  readonly limits: Limits;
  readonly rateLimits: RateLimitsConfig;
  readonly console: ConsoleConfig;
  /** Serve HTTPS directly (TLS_CERT_FILE, TLS_KEY_FILE); undefined: plain HTTP. */
  readonly tls: TlsConfig | undefined;
}

export interface TlsConfig {
  /** PEM, as read at start-up. */
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Requests per client per minute (fixed 60-second windows, counted in the store so every
 * instance shares one budget); 0 turns that limit off.
 */
export interface RateLimitsConfig {
  /** POST /session, per client IP. */
  readonly loginPerIp: number;
  /** Each of /<provider>/authorize, /callback and /complete on its own, per client IP. */
  readonly oauthPerIp: number;
  /** /livelike/token, per session user. */
  readonly liveLikeTokenPerUser: number;
  /** Proxied calls, per session user; each proxy (/likecoin/api, /livelike/api) on its own. */
  readonly proxyPerUser: number;
  /** Refreshes at a provider's token endpoint, per grant. */
  readonly refreshPerGrant: number;
}

export interface ConsoleConfig {
  /** Serve the developer console at /console. */
  readonly enabled: boolean;
  /** A login page the console offers (npm run demo's identity provider). */
  readonly demoLoginUrl: string | undefined;
}

export interface SessionConfig {
  /** First signs, all verify. */
  readonly secrets: readonly string[];
  readonly ttlSeconds: number;
  readonly maxAgeSeconds: number;
  readonly cookieName: string;
  readonly secureCookie: boolean;
}

export interface AppJwtConfig {
  readonly secret: string | undefined;
  readonly jwksUrl: URL | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly userClaim: string;
}

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface LiveLikeConfig {
  /** Undefined when the credentials are not set: the routes then answer 503. */
  readonly credentials: ClientCredentials | undefined;
  readonly tokenTtlSeconds: number;
  readonly apiUrl: URL;
  /** Path prefixes the proxy may forward under apiUrl (LIVELIKE_API_PATHS). */
  readonly apiPaths: readonly string[];
}

export interface LikeCoinConfig {
  /** Undefined when the credentials are not set: the routes then answer 503. */
  readonly credentials: ClientCredentials | undefined;
  readonly redirectUri: URL;
  readonly scopes: readonly string[];
  readonly authorizeUrl: URL;
  readonly tokenUrl: URL;
  readonly apiUrl: URL;
  /** Path prefixes the proxy may forward under apiUrl (LIKECOIN_API_PATHS). */
  readonly apiPaths: readonly string[];
  readonly pkce: boolean;
  /** How long a started sign-in may take (state and result handle lifetime). */
  readonly stateTtlSeconds: number;
  /** The whole token-endpoint call, connect to last byte. */
  readonly timeoutMs: number;
}

/** What reading the environment found besides values: problems stop start-up, warnings do not. */
export interface Findings {
  readonly production: boolean;
  readonly problems: string[];
  readonly warnings: string[];
}

/** Where /metrics and the gateway endpoints (/auth/*) are served instead of the public port. */
export interface InternalListenerConfig {
  readonly port: number;
  readonly host: string;
}
