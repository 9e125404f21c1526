import pino, { type DestinationStream, type Logger } from 'pino';

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
  'code',
  'auth_code',
  'code_verifier',
  'password',
  'secret',
];

const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [`["${f}"]`, `*["${f}"]`]),
  ...['authorization', 'cookie', 'set-cookie'].flatMap((h) => [
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `headers["${h}"]`,
  ]),
  'body',
  'req.body',
  'res.body',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { service: 'token-bff' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
