import { createAuditLog } from '../../src/log/audit';
import { createLogger } from '../../src/log/create-logger';
import { auditLines, fieldsOf } from '../support/audit-lines';
import { LogCapture } from '../support/log-capture';

// The trail itself: the lines it writes, whatever LOG_LEVEL says, and the one event whose
// caller is not merged yet (issue 23's back-channel logout calls backchannelLogout).

it('writes at info even when LOG_LEVEL would drop info lines (warn, error, silent)', () => {
  for (const level of ['warn', 'error', 'silent']) {
    const logs = new LogCapture();
    const logger = createLogger(level, logs.stream);
    logger.info('an ordinary line, dropped');
    createAuditLog(logger).sessionStarted({ userId: 'u', device: 'd', source: 'app' });
    expect(logs.entries().map((e) => e.msg)).toEqual(['session.started']);
  }
});

it('backchannel.logout: the user, the provider that asked, how many sessions ended, its IP', () => {
  const logs = new LogCapture();
  createAuditLog(createLogger('info', logs.stream)).backchannelLogout({
    userId: 'oidc:alice',
    provider: 'oidc',
    sessions: 2,
    ip: '10.0.0.7',
  });
  expect(auditLines(logs).map(fieldsOf)).toEqual([
    {
      audit: true,
      event: 'backchannel.logout',
      user_id: 'oidc:alice',
      provider: 'oidc',
      reason: 'backchannel',
      sessions: 2,
      ip: '10.0.0.7',
    },
  ]);
});

it('writes only the fields it names: an object handed in with more in it adds nothing', () => {
  const logs = new LogCapture();
  const more = {
    userId: 'u',
    device: 'handle',
    reason: 'logout',
    sessionId: 'the-session-id',
    access_token: 'a-token',
  };
  createAuditLog(createLogger('info', logs.stream)).sessionEnded(more);
  expect(fieldsOf(auditLines(logs)[0]!)).toEqual({
    audit: true,
    event: 'session.ended',
    user_id: 'u',
    device: 'handle',
    reason: 'logout',
  });
  expect(logs.text).not.toMatch(/the-session-id|a-token/);
});
