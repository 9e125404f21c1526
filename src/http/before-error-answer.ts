import type { Request } from 'express';

/** Undoes, for a request answered with an error, what an earlier layer left on it. */
export type ErrorAnswerHook = (req: Request) => void;

// Kept beside the request, not on it: a property added per request would turn every request
// object into a slow dictionary-mode one (see request-logger.ts).
const hooksOf = new WeakMap<Request, ErrorAnswerHook[]>();

/**
 * Registers `hook` to run if `req` ends in the error handler, before the answer is written.
 * The layer that changed the request registers its own undo, so the error handler needs to
 * know no layer above it (the session layer drops the request's session changes this way).
 */
export function beforeErrorAnswer(req: Request, hook: ErrorAnswerHook): void {
  const hooks = hooksOf.get(req);
  if (hooks) hooks.push(hook);
  else hooksOf.set(req, [hook]);
}

/** Runs the hooks registered on `req`; each must be safe to run twice (an error after an error). */
export function runBeforeErrorAnswer(req: Request): void {
  for (const hook of hooksOf.get(req) ?? []) hook(req);
}
