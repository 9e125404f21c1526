import request from 'supertest';
import {
  asLiker,
  connectedApp,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { login } from '../support/login';
import { runCli } from '../support/run-cli';
import { secretsIn, sessionIdOf } from '../support/audit-lines';
import { BASE_ENV, sharedRedisTopology, topologyEnv } from '../support/test-app';

// Issue 25, part 2: what an operator ends from the CLI is on record on the CLI's stdout, one
// JSON line per event, the same lines the service writes: operator.revoke, and each session
// it ended (session.ended, reason revoked) or the grant it forgot (grant.forgotten, operator).

let s: LikeCoinSetup;
let env: Record<string, string>;
beforeAll(async () => {
  s = await startWithLikeCoin();
  env = {
    ...BASE_ENV,
    TOKEN_ENCRYPTION_KEY: s.t.config.tokenEncryptionKeys
      .map((k) => Buffer.from(k).toString('base64'))
      .join(','),
    // The store the app runs on, one node or a Cluster (TEST_REDIS=cluster).
    ...Object.fromEntries(
      Object.entries(topologyEnv(sharedRedisTopology())).filter(([, v]) => v !== undefined),
    ),
    REDIS_KEY_PREFIX: s.t.keyPrefix,
    // The trail is written whatever the log level: an operator's revocation is never silent.
    LOG_LEVEL: 'silent',
  };
});
afterAll(() => s.close());

/** The CLI's stdout: its JSON lines (the trail), and the lines meant for the operator. */
function split(out: string): { trail: Record<string, unknown>[]; said: string[] } {
  const lines = out.split('\n').filter(Boolean);
  return {
    trail: lines
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        const { time, level, service, msg, ...rest } = JSON.parse(l) as Record<string, unknown>;
        expect([typeof time, level, service, msg]).toEqual(['string', 30, 'token-bff', rest.event]);
        return rest;
      }),
    said: lines.filter((l) => !l.startsWith('{')),
  };
}

it('sessions revoke: one session.ended per session, then operator.revoke', async () => {
  const laptop = await login(s.t, { sub: 'cli-audit-user' });
  const phone = await login(s.t, { sub: 'cli-audit-user' });
  const listed = await request(s.t.url)
    .get('/sessions')
    .set('Authorization', `Bearer ${laptop.sessionToken}`)
    .expect(200);
  const handles = (listed.body.sessions as { id: string }[]).map((d) => d.id).sort();

  const run = await runCli(['sessions', 'revoke', 'cli-audit-user'], env);
  expect(run.code).toBe(0);
  const { trail, said } = split(run.out);
  expect(said).toEqual(['ended 2 session(s) of "cli-audit-user"']);
  const ended = trail.filter((l) => l.event === 'session.ended');
  expect(ended.map((l) => l.device).sort()).toEqual(handles);
  for (const line of ended) {
    // No ip: nobody's request ended it, an operator did.
    expect(line).toEqual({
      audit: true,
      event: 'session.ended',
      user_id: 'cli-audit-user',
      device: expect.any(String),
      reason: 'revoked',
    });
  }
  expect(trail.at(-1)).toEqual({
    audit: true,
    event: 'operator.revoke',
    user_id: 'cli-audit-user',
    target: 'sessions',
    reason: 'revoked',
    sessions: 2,
  });
  expect(trail).toHaveLength(3);
  const credentials = [laptop.sessionToken, phone.sessionToken, laptop.cookie, phone.cookie];
  expect(secretsIn(run.out, [...credentials, ...credentials.map(sessionIdOf)])).toEqual([]);
});

it('grants revoke: grant.forgotten (operator) and operator.revoke; nothing for no grant', async () => {
  asLiker(s.provider, 'cli-audit-liker');
  await connectedApp(s, 'cli-audit-app-user');
  const run = await runCli(['grants', 'revoke', 'cli-audit-liker'], env);
  expect(run.code).toBe(0);
  const { trail, said } = split(run.out);
  expect(said).toEqual(['forgot the LikeCoin grant of "cli-audit-liker" (1 linked session(s))']);
  expect(trail).toEqual([
    {
      audit: true,
      event: 'grant.forgotten',
      provider: 'likecoin',
      grant: expect.stringMatching(/^[\w-]{32}$/),
      subject: 'cli-audit-liker',
      reason: 'operator',
    },
    {
      audit: true,
      event: 'operator.revoke',
      user_id: 'cli-audit-liker',
      target: 'grant',
      provider: 'likecoin',
      reason: 'revoked',
      sessions: 1,
      existed: true,
    },
  ]);

  const none = split((await runCli(['grants', 'revoke', 'cli-audit-liker'], env)).out);
  expect(none.trail.map((l) => [l.event, l.existed])).toEqual([['operator.revoke', false]]);
});
