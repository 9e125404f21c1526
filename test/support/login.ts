import request from 'supertest';
import { appIdToken } from './app-tokens';

export interface LoggedIn {
  /** "name=value", ready for a Cookie header. */
  cookie: string;
  sessionToken: string;
  body: { user: { id: string }; session_token: string; expires_at: string };
}

export async function login(
  t: { url: string },
  claims: Record<string, unknown> = { sub: 'user-1' },
): Promise<LoggedIn> {
  const res = await request(t.url)
    .post('/session')
    .send({ id_token: appIdToken(claims) })
    .expect(200);
  const setCookie = res.headers['set-cookie'] as unknown as string[];
  return {
    cookie: setCookie[0]!.split(';')[0]!,
    sessionToken: res.body.session_token,
    body: res.body,
  };
}
