import request from 'supertest';
import {
  asLiker,
  connectedApp,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { login } from '../support/login';
import { runCli as cli } from '../support/run-cli';
import { BASE_ENV } from '../support/test-app';

let s: LikeCoinSetup;
let env: Record<string, string>;
beforeAll(async () => {
  s = await startWithLikeCoin();
  env = {
    ...BASE_ENV,
    TOKEN_ENCRYPTION_KEY: s.t.config.tokenEncryptionKeys
      .map((k) => Buffer.from(k).toString('base64'))
      .join(','),
    REDIS_URL: process.env.REDIS_URL!,
    REDIS_KEY_PREFIX: s.t.keyPrefix,
    LOG_LEVEL: 'silent',
  };
});
afterAll(() => s.close());

/** What the command says to the operator: its output without the audit trail's JSON lines. */
const said = (out: string) =>
  out
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('{'))
    .join('\n');

const alive = async (token: string) =>
  (await request(s.t.url).get('/session').set('Authorization', `Bearer ${token}`)).status === 200;

it('sessions list, then sessions revoke: the revoked bearer and cookie are dead at once', async () => {
  const laptop = await login(s.t, { sub: 'cli-user' });
  const phone = await login(s.t, { sub: 'cli-user' });
  const listed = await cli(['sessions', 'list', 'cli-user'], env);
  expect(listed.code).toBe(0);
  expect(listed.out).toMatch(/^2 live session\(s\) of "cli-user"\n/);
  expect(listed.out.trim().split('\n')).toHaveLength(3);
  expect(listed.out).not.toContain(laptop.sessionToken.split('.')[0]);

  const revoked = await cli(['sessions', 'revoke', 'cli-user'], env);
  expect([revoked.code, said(revoked.out)]).toEqual([0, 'ended 2 session(s) of "cli-user"']);
  expect(await alive(phone.sessionToken)).toBe(false);
  const byCookie = await request(s.t.url).get('/session').set('Cookie', laptop.cookie);
  expect(byCookie.body.authenticated).toBe(false);
  expect((await cli(['sessions', 'list', 'cli-user'], env)).out).toMatch(/^0 live session/);
});

it('grants revoke forgets a Liker’s grant for every linked session', async () => {
  asLiker(s.provider, 'cli-liker');
  const phone = await connectedApp(s, 'cli-app-user');
  const res = await cli(['grants', 'revoke', 'cli-liker'], env);
  expect([res.code, said(res.out)]).toEqual([
    0,
    'forgot the LikeCoin grant of "cli-liker" (1 linked session(s))',
  ]);
  const view = await request(s.t.url).get('/session').set('Authorization', `Bearer ${phone}`);
  expect(view.body.likecoin.connected).toBe(false);
  expect(said((await cli(['grants', 'revoke', 'cli-liker'], env)).out)).toBe(
    'no LikeCoin grant for "cli-liker"',
  );
});

it.each([
  [[], /^usage: token-bff/],
  [['sessions'], /^usage: token-bff/],
  [['sessions', 'delete', 'u'], /^usage: token-bff/],
  [['sessions', 'list'], /give exactly one id/],
  [['sessions', 'list', 'a', 'b'], /give exactly one id/],
  [['grants', 'revoke', 'x'.repeat(256)], /give exactly one id/],
  [['doctor', 'now'], /^token-bff doctor: takes no arguments$/m],
])('bad arguments %j: exit 1 with a clear line', async (args, message) => {
  const res = await cli(args, env);
  expect(res.code).toBe(1);
  expect(res.out + res.err).toMatch(message);
});

it('an unreachable store: exit 1 with one line', async () => {
  const res = await cli(['sessions', 'list', 'u'], {
    ...env,
    REDIS_URL: 'redis://127.0.0.1:1',
  });
  expect(res.code).toBe(1);
  expect(res.err.trim().split('\n')).toHaveLength(1);
  expect(res.err).toMatch(/^token-bff: the store cannot be reached/);
});

it.each([
  ['a line feed', 'eve\nroot'],
  ['a tab', 'a\tb'],
  ['256 characters', 'x'.repeat(256)],
])('refuses a user id with %s, as the service would: exit 1, nothing done', async (_what, id) => {
  const res = await cli(['sessions', 'revoke', id], env);
  expect(res.code).toBe(1);
  expect(res.out + res.err).toMatch(/give exactly one id of 1 to 255 characters, without control/);
});
