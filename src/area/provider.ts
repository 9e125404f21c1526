import type { Express, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config } from '../config';
import type { RateLimiters } from '../http/rate-limits';
import type { DocumentedProvider } from '../openapi/openapi-document';
import type { DoctorCheck } from '../ops/doctor';
import type { Metrics } from '../ops/metrics';
import type { SessionReadHook, SessionStore } from '../session/express-session-adapter';
import type { SessionEndHook } from '../session/session-index';
import type { SessionLifecycleDeps, SessionTouchHook } from '../session/session-lifecycle';
import type { Kv } from '../store/kv';
import type { SealedBox } from '../store/sealed-box';

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
  /** Its lines in `token-bff doctor` (skipped lines when it is not configured). */
  doctorChecks(config: Config): DoctorCheck[];
  /** Its part of the store-level core: built once per process, by the service and the CLI. */
  open(core: StoreDeps): ProviderStore;
}

/** What a provider's store-level part is built on. */
export interface StoreDeps {
  config: Config;
  kv: Kv;
  box: SealedBox;
  now: () => number;
}

/** What a provider keeps in the store, and what it adds to every session there. */
export interface ProviderStore {
  /** Undoes what hangs on a session that ends (its grant link). */
  onEnd?: SessionEndHook;
  /** Keeps what hangs on a session alive as long as the session. */
  onTouch?: SessionTouchHook;
  /** Its part of GET /session (undefined: it shows none). */
  view?: (req: Request) => Promise<unknown>;
  /** Forgets the grant of one of its users, for every session (operators' `grants revoke`). */
  revokeGrant?: (subject: string) => Promise<{ existed: boolean; linkedSessions: number }>;
  /** Its routes, on the service's shared parts: built once the whole session layer is known. */
  area(deps: AreaDeps): ProviderArea;
}

/** What every provider's routes share. */
export interface AreaDeps {
  config: Config;
  logger: Logger;
  now: () => number;
  metrics: Metrics;
  /** One keep-alive pool per upstream origin, for token endpoints and proxies alike. */
  upstreams: Dispatcher;
  rateLimits: RateLimiters;
  sessionStore: SessionStore;
  lifecycle: SessionLifecycleDeps;
  /** The guards of a session-bound JSON route: a dead credential refused, then CSRF. */
  guards: RequestHandler[];
  rejectDeadCredential: RequestHandler;
  csrf: RequestHandler;
  /** GET /session's answer for a request, every provider's part included. */
  sessionView: (req: Request) => Promise<Record<string, unknown>>;
}

/** A provider's routes, and the reads its calls start alongside the session's. */
export interface ProviderArea {
  beforeRead?: SessionReadHook;
  /** Mounts its routes under /<name>. */
  mount(app: Express): void;
}
