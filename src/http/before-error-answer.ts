import type { Request } from 'express';

/**
 * Undoes, for a request answered with an error, what an earlier layer may have left on it (the
 * session layer drops the request's session changes so). Handed to the error handler by the app,
 * so the error handler knows no layer above it, and no request pays for it until it fails. Each
 * must be safe on any request, and to run twice (an error after an error).
 */
export type ErrorAnswerHook = (req: Request) => void;
