import pino, { type DestinationStream, type Logger } from 'pino';
import { redactUrl } from './redact-url';
import { traceFields } from './trace-fields';

const CENSORED = '[Redacted]';

/** Field names whose values are secrets wherever they appear in a log object. */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'access_token',
  'refresh_token',
  'id_token',
  'session_token',
  'client_secret',
  'auth_code',
  'code_verifier',
  'password',
  'secret',
];

// `code` is OAuth's authorization code only where a request carries it (its query, its
// parameters, a logged `code` of its own); elsewhere it is an error's code (ERR_ERL_…,
// ECONNREFUSED), which an operator needs to read. Bodies go whole.
const AUTHORIZATION_CODE_PATHS = ['code', 'query.code', 'req.query.code', 'params.code'];
const URL_PATHS = ['url', 'req.url'];

const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [`["${f}"]`, `*["${f}"]`]),
  ...['authorization', 'cookie', 'set-cookie'].flatMap((h) => [
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `headers["${h}"]`,
  ]),
  ...AUTHORIZATION_CODE_PATHS,
  ...URL_PATHS,
  'body',
  'req.body',
  'res.body',
];

/** A URL keeps its path and its loggable parameters; everything else is censored whole. */
function censor(value: unknown, path: readonly unknown[]): unknown {
  // A wildcard's key may be a symbol (an error's own symbols): compare keys, never join them.
  const isUrl =
    path[path.length - 1] === 'url' &&
    (path.length === 1 || (path.length === 2 && path[0] === 'req'));
  return isUrl && typeof value === 'string' ? redactUrl(value) : CENSORED;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor },
      base: { service: 'token-bff' },
      mixin: traceFields,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
