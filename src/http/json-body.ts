import express, { type RequestHandler } from 'express';
import type { HttpProblem } from './http-problem';
import { problems } from './problems';

/**
 * For routes that take a JSON body: anything but application/json is refused (415) rather
 * than silently ignored, and the body is capped. Whatever goes wrong reading it is the
 * caller's body, never our fault: always a 4xx.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      next(problems.unsupportedMediaType('Send the body as application/json.'));
      return;
    }
    next();
  };
  const parseJson = express.json({ limit: limitBytes, strict: true });
  const parse: RequestHandler = (req, res, next) =>
    parseJson(req, res, (err?: unknown) => next(err === undefined ? undefined : bodyProblem(err)));
  return [requireJson, parse];
}

/**
 * What a body-parser (raw-body) error means to the caller. body-parser tags its own errors with
 * `type`; errors from the decompression stream (zlib: garbage, truncated or empty gzip, deflate
 * or brotli data) come through untagged, and so does anything a later version adds.
 */
export function bodyProblem(err: unknown): HttpProblem {
  const type =
    typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
  switch (type) {
    case 'entity.parse.failed':
      return problems.invalidJson();
    case 'entity.too.large':
      return problems.payloadTooLarge();
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problems.unsupportedMediaType();
    case 'request.aborted':
      return problems.requestAborted();
    case 'request.size.invalid':
      return problems.invalidContentLength();
    default:
      return problems.invalidBody(
        'The request body could not be read (is its Content-Encoding right?).',
      );
  }
}

/**
 * body-parser's own errors carry a string `type`; the decompression stream's come untagged, with
 * zlib's `Z_…` code (a bare body parser anywhere would otherwise turn gzip garbage into a 500).
 */
export function isBodyParserError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { type, code } = err as { type?: unknown; code?: unknown };
  return (
    typeof type === 'string' ||
    (typeof code === 'string' && /^(Z_|ERR__?ZLIB|ERR_BROTLI)/.test(code))
  );
}

/** A JSON object body (not an array, string or null), or a 400. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw problems.invalidRequest('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}
