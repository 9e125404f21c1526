import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import type { Limits } from '../config';
import type { HttpProblem } from '../http/http-problem';
import { problems as P } from '../http/problems';

/** A security requirement: which of the document's schemes (sessionCookie, …) a call sends. */
export type Security = Record<string, string[]>;
export const NONE: Security = {};
export const COOKIE: Security = { sessionCookie: [] };
export const COOKIE_CSRF: Security = { sessionCookie: [], csrfHeader: [] };
export const BEARER: Security = { bearerSession: [] };

export interface Operation extends Omit<RouteConfig, 'responses'> {
  responses: RouteConfig['responses'];
  /** Every problem the operation can answer with (internal_error is added to all). */
  problems: HttpProblem[];
  /** A browser navigation: its problems are also a text/html page, for an Accept naming it. */
  htmlProblems?: boolean;
}

/** How an HTML problem page is documented, next to problem+json. */
export const HTML_PROBLEM_PAGE = {
  schema: {
    type: 'string' as const,
    description:
      "For a request whose Accept names text/html (a browser's navigation): a short page with the status, the problem's code, a plain sentence and a link to PUBLIC_BASE_URL. No script, no style.",
  },
};

/** What each area's path registration gets from the document being built. */
export interface PathContext {
  readonly register: (op: Operation) => void;
  readonly limits: Limits;
  readonly problems: CommonProblems;
}

export type CommonProblems = ReturnType<typeof commonProblems>;

/** What the session chain, its guards, JSON bodies and the proxies can answer. */
export function commonProblems(limits: Limits) {
  const STORE = [P.storeUnavailable(limits.storeRetryAfterSeconds)];
  const DEAD = [P.invalidSessionToken(), P.invalidSessionCookie()];
  const CSRF = [P.csrfRejected('Cookie-authenticated calls must send the header X-CSRF: 1.')];
  const JSON_BODY = [
    P.unsupportedMediaType('Send the body as application/json.'),
    P.invalidJson(),
    P.invalidRequest('The request body must be a JSON object.'),
    P.payloadTooLarge(),
    P.requestAborted(),
    P.invalidContentLength(),
    P.invalidBody(),
  ];
  const USER = [P.notAuthenticated()];
  const GUARDED = [...STORE, ...DEAD, ...CSRF];
  const PROXY = [
    P.invalidPath(),
    P.pathNotAllowed(),
    P.payloadTooLarge('The request body is too large to forward.'),
    P.upstreamUnavailable(),
    P.upstreamTimeout(),
  ];
  return { STORE, DEAD, CSRF, JSON_BODY, USER, GUARDED, PROXY };
}

export const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const noContent = (description: string) => ({ description });

export const redirect = (description: string) => ({
  description,
  headers: {
    Location: {
      description: 'Where the browser goes next.',
      required: true,
      schema: { type: 'string' as const },
    },
  },
});
