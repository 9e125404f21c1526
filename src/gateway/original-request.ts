import type { Request, RequestHandler } from 'express';
import { problems } from '../http/problems';

// An HTTP method is a token (RFC 9110 §9.1); ours are short upper-case words.
const METHOD = /^[A-Z]{1,16}$/;

/**
 * What the gateway says under either spelling of one header, as one string. Missing, repeated,
 * or two spellings that disagree: undefined, and the call is refused. A gateway sets its own
 * spelling and passes the other on from the caller, so a disagreement is a caller's forgery.
 */
function headerOf(req: Request, names: readonly string[]): string | undefined {
  const values = names.map((name): unknown => req.headers[name]).filter((v) => v !== undefined);
  const [first] = values;
  if (typeof first !== 'string' || values.some((v) => v !== first)) return undefined;
  return first;
}

/**
 * Makes a forward-auth subrequest (nginx `auth_request`: X-Original-Method and X-Original-URI;
 * Traefik `ForwardAuth`: X-Forwarded-Method and X-Forwarded-Uri) the request it stands for, so
 * the session chain, the guards and the proxy's rules judge the original call exactly as the
 * in-process proxy judges it. The original must lie under `prefix`; a preflight never comes here
 * (the gateway sends those to the service itself), so one is refused rather than answered 2xx,
 * which a gateway would read as "let it through".
 */
export function originalRequest(prefix: string, maxTargetBytes: number): RequestHandler {
  return (req, _res, next) => {
    const method = headerOf(req, ['x-original-method', 'x-forwarded-method']);
    const uri = headerOf(req, ['x-original-uri', 'x-forwarded-uri']);
    if (method === undefined || uri === undefined) {
      throw problems.invalidRequest(
        'Send the original request, once, in X-Original-Method and X-Original-URI.',
      );
    }
    if (!METHOD.test(method)) throw problems.invalidRequest('X-Original-Method is not a method.');
    if (method === 'OPTIONS') {
      throw problems.invalidRequest('Preflight requests go to the service, not to /auth.');
    }
    if (uri.length > prefix.length + maxTargetBytes) throw problems.invalidPath();
    if (uri !== prefix && !uri.startsWith(`${prefix}/`) && !uri.startsWith(`${prefix}?`)) {
      throw problems.invalidPath(`The original URI is not under ${prefix}.`);
    }
    req.method = method;
    req.url = uri;
    req.originalUrl = uri;
    next();
  };
}
