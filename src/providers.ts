import type { Express } from 'express';
import type { AppContext } from './app-context';
import type { Config } from './config';
import type { ProviderNames } from './http/problems';
import type { PathContext } from './openapi/operation-parts';
import type { DoctorCheck } from './ops/doctor';

/**
 * One provider of the service (LiveLike, LikeCoin, …), described once. `src/app.ts` names the
 * providers in one list and hands it to everything that must know them all: the session layer
 * (which paths are session-bound, whose users sign in), the OpenAPI document, the operator's
 * commands and doctor. A new provider is a descriptor and a line in that list.
 */
export interface Provider extends ProviderNames {
  /** What it offers, in a few words (its tag in the OpenAPI document). */
  readonly summary: string;
  /** People sign in with it: its users are `<name>:<id>` (see session/user-id.ts). */
  readonly signsIn: boolean;
  /** An OAuth 2.0 code-flow provider: its flow and proxy are documented as every such one. */
  readonly oauth?: {
    /** The query parameters its callback's code may come in, the standard's first. */
    readonly codeParams: readonly [string, ...string[]];
  };
  /** Documents the paths only this provider has (OAuth providers' are documented alike). */
  registerPaths?(ctx: PathContext): void;
  /** Its lines in `token-bff doctor` (skipped lines when it is not configured). */
  doctorChecks(config: Config): DoctorCheck[];
  /** Mounts its routes under /<name>. */
  mount(app: Express, ctx: AppContext): void;
}
