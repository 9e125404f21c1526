import type { Express, Request } from 'express';
import type { Config } from '../config';
import type { RateLimiters } from '../http/rate-limits';
import type { OAuthAreaDeps, OAuthStoreDeps } from '../oauth/open-oauth-provider';
import type { DocumentedProvider } from '../openapi/openapi-document';
import type { DoctorCheck } from '../ops/doctor';
import type { Metrics } from '../ops/metrics';
import type { ProxyRules } from '../proxy/proxy-rules';
import type { SessionReadHook } from '../session/express-session-adapter';
import type { SessionEndHook } from '../session/session-index';
import type { AppTokenSignInHook, SessionTouchHook } from '../session/session-lifecycle';

/**
 * One provider of the service (LiveLike, LikeCoin, …), described once. `src/app.ts` names the
 * providers in one list and hands it to everything that must know them all: the store-level
 * core (what ends with a session; the operator's commands reuse it), the session layer (which
 * paths are session-bound, whose users sign in, the reads started with a session's), the
 * OpenAPI document and the doctor. A new provider is a descriptor and a line in that list.
 */
export interface Provider extends DocumentedProvider {
  /** People sign in with it: its users are `<name>:<id>` (see session/user-id.ts). */
  readonly signsIn: boolean;
  /** Its session-bound paths, when they are not /<name> (the app's OpenID Provider: /login…). */
  sessionPaths?(config: Config): string[];
  /** Its lines in `token-bff doctor` (skipped lines when it is not configured). */
  doctorChecks(config: Config): DoctorCheck[];
  /** Its part of the store-level core: built once per process, by the service and the CLI. */
  open(core: StoreDeps): ProviderStore;
}

/** What a provider's store-level part is built on (the OAuth core's needs are every one's). */
export type StoreDeps = OAuthStoreDeps;

/** What a provider keeps in the store, and what it adds to every session there. */
export interface ProviderStore {
  /** Undoes what hangs on a session that ends (its grant link). */
  onEnd?: SessionEndHook;
  /** Keeps what hangs on a session alive as long as the session. */
  onTouch?: SessionTouchHook;
  /** Keeps what it needs of a sign-in with the app's ID token (POST /session). */
  onAppTokenSignIn?: AppTokenSignInHook;
  /** Its part of GET /session (undefined: it shows none). */
  view?: (req: Request) => Promise<unknown>;
  /** Forgets the grant of one of its users, for every session (operators' `grants revoke`). */
  revokeGrant?: (subject: string) => Promise<{ existed: boolean; linkedSessions: number }>;
  /** Its routes, on the service's shared parts: built once the whole session layer is known. */
  area(deps: AreaDeps): ProviderArea;
}

/**
 * What every provider's routes share. The OAuth core states what it needs of these (it sits
 * below this folder); every provider gets that, with the whole metrics and rate limits.
 */
export interface AreaDeps extends Omit<OAuthAreaDeps, 'metrics' | 'rateLimits'> {
  metrics: Metrics;
  rateLimits: RateLimiters;
}

/** A provider's routes, and the reads its calls start alongside the session's. */
export interface ProviderArea {
  beforeRead?: SessionReadHook;
  /** Mounts its routes under /<name>. */
  mount(app: Express): void;
  /** The rules of its proxy (/<name>/api), which the gateway endpoint /auth/<name> applies too. */
  proxy?: ProxyRules;
}
