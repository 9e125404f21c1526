import type { z } from 'zod';
import { problems as P } from '../http/problems';
import {
  DevicesAnswer,
  DevicesQuery,
  EndSessionsQuery,
  LoginAnswer,
  LoginRequest,
  SessionHandleParams,
} from '../session/session-schemas';
import {
  BEARER,
  COOKIE,
  COOKIE_CSRF,
  NONE,
  json,
  jsonBody,
  noContent,
  type PathContext,
} from './operation-parts';

/** Sign in, the current session, sign out: POST, GET and DELETE /session. */
export function registerSessionPaths(ctx: PathContext, sessionView: z.ZodType): void {
  const { register, limits } = ctx;
  const { STORE, DEAD, CSRF, JSON_BODY, GUARDED } = ctx.problems;
  register({
    method: 'post',
    path: '/session',
    operationId: 'login',
    tags: ['sessions'],
    summary: "Sign in with the app's ID token",
    description:
      "Verifies the ID token (APP_JWT_*) and starts a fresh session (a new id, whatever the request carried) whose user is the token's user claim. Sets the session cookie.",
    security: [NONE, COOKIE_CSRF, BEARER],
    request: { body: jsonBody(LoginRequest) },
    responses: { 200: json(LoginAnswer, 'Signed in; the session cookie is set too.') },
    problems: [
      ...STORE,
      ...CSRF,
      ...JSON_BODY,
      P.invalidRequest('Send { "id_token": "<JWT>" }.'),
      P.invalidIdToken('The token could not be verified.'),
      P.invalidUserId("The token's user claim must be a string or integer of 1 to 255 characters."),
      P.appLoginNotConfigured(),
      P.identityProviderUnavailable(limits.providerRetryAfterSeconds),
    ],
  });
  register({
    method: 'get',
    path: '/session',
    operationId: 'getSession',
    tags: ['sessions'],
    summary: 'Who is signed in, and what each provider link looks like',
    security: [NONE, COOKIE, BEARER],
    responses: { 200: json(sessionView, 'The session (authenticated: false without one).') },
    problems: [...STORE, ...DEAD],
  });
  register({
    method: 'delete',
    path: '/session',
    operationId: 'logout',
    tags: ['sessions'],
    summary: 'End this session everywhere (store entry, provider links, cookie)',
    security: [NONE, COOKIE_CSRF, BEARER],
    responses: { 204: noContent('Ended (also when there was none).') },
    problems: GUARDED,
  });
}

/** The signed-in user's devices: list them, end all (or all others), end one. */
export function registerDevicePaths({ register, problems }: PathContext): void {
  const { GUARDED, USER } = problems;
  register({
    method: 'get',
    path: '/sessions',
    operationId: 'listSessions',
    tags: ['sessions'],
    summary: "The user's live sessions (devices), newest first, a page at a time",
    description:
      'A user has at most 50 live sessions: a login past that ends their oldest. Follow `next_cursor` for the next page.',
    security: [COOKIE_CSRF, BEARER],
    request: { query: DevicesQuery },
    responses: { 200: json(DevicesAnswer, 'The sessions of the signed-in user.') },
    problems: [...GUARDED, ...USER, P.invalidRequest('cursor is not one GET /sessions answered.')],
  });
  register({
    method: 'delete',
    path: '/sessions',
    operationId: 'endSessions',
    tags: ['sessions'],
    summary: 'Log out everywhere (`?keep=current`: every other device)',
    security: [COOKIE_CSRF, BEARER],
    request: { query: EndSessionsQuery },
    responses: { 204: noContent('Ended.') },
    problems: [...GUARDED, ...USER, P.invalidRequest('keep takes one value: current.')],
  });
  register({
    method: 'delete',
    path: '/sessions/{id}',
    operationId: 'endSession',
    tags: ['sessions'],
    summary: 'End one session of the same user',
    security: [COOKIE_CSRF, BEARER],
    request: { params: SessionHandleParams },
    responses: { 204: noContent('Ended.') },
    problems: [...GUARDED, ...USER, P.notFound('No such session of yours.')],
  });
}
