import { Agent } from 'undici';
import type { Config } from '../config';
import type { AuditLog } from '../log/audit';
import type { SessionIndex } from '../session/session-index';
import { isValidUserId } from '../session/user-id';
import { createKv } from '../store/create-kv';
import { runDoctor, type DoctorCheck, type DoctorDeps } from './doctor';

export const USAGE = `usage: token-bff <command>

  sessions list <user-id>     the user's live sessions (devices), newest first
  sessions revoke <user-id>   end every session of the user (cookie and bearer die at once)
  grants revoke <liker-id>    forget the user's LikeCoin grant, for every session linked to it
  doctor                      check the configuration against the world before a deployment:
                              the store, LikeCoin's authorize page and token endpoint, the
                              LiveLike application; one line per check (ok, FAIL or skip),
                              exit 0 only when no configured check fails

Reads the service's configuration (environment; .env in development) and talks to its store.`;

export interface CommandResult {
  /** 0 done, 1 bad arguments or an unreachable store. */
  code: 0 | 1;
  out: string;
}

/** A provider whose users' grants an operator can revoke. */
export interface GrantHolder {
  /** The provider's name (audit lines), and how people call it (the command's output). */
  name: string;
  label: string;
  revokeGrant(subject: string): Promise<{ existed: boolean; linkedSessions: number }>;
}

/** The store-level core the service itself runs on (src/store-core.ts), as the commands use it. */
export interface OperatorDeps {
  /** The users' sessions: ending one here undoes every provider's link to it. */
  index: SessionIndex;
  grantHolders: readonly GrantHolder[];
  /** Each revocation is an `operator.revoke` line (its sessions' lines come from the index). */
  audit: Pick<AuditLog, 'operatorRevoke'>;
}

// An id as the service accepts one (the one user-id rule: a Liker ID obeys it too).
const validId = (id: string | undefined): id is string => id !== undefined && isValidUserId(id);

/** One operator command, run against the store the service uses. */
export async function runOperatorCommand(
  args: readonly string[],
  deps: OperatorDeps,
): Promise<CommandResult> {
  const [area, verb, id, ...extra] = args;
  const command = `${area ?? ''} ${verb ?? ''}`;
  const known = ['sessions list', 'sessions revoke', 'grants revoke'];
  if (!known.includes(command)) return { code: 1, out: USAGE };
  if (!validId(id) || extra.length > 0) {
    return {
      code: 1,
      out: `token-bff ${command}: give exactly one id of 1 to 255 characters, without control characters`,
    };
  }
  const { index } = deps;
  switch (command) {
    case 'sessions list': {
      const sessions = await index.list(id);
      const rows = sessions.map((s) =>
        [
          s.handle,
          s.carrier,
          new Date(s.createdAt).toISOString(),
          new Date(s.lastSeenAt).toISOString(),
          JSON.stringify(s.userAgent),
        ].join('\t'),
      );
      return {
        code: 0,
        out: [`${sessions.length} live session(s) of ${JSON.stringify(id)}`, ...rows].join('\n'),
      };
    }
    case 'sessions revoke': {
      const ended = await index.endAll(id, 'revoked');
      deps.audit.operatorRevoke({ userId: id, target: 'sessions', sessions: ended });
      return { code: 0, out: `ended ${ended} session(s) of ${JSON.stringify(id)}` };
    }
    default: {
      const lines = [];
      for (const holder of deps.grantHolders) {
        const { existed, linkedSessions } = await holder.revokeGrant(id);
        deps.audit.operatorRevoke({
          userId: id,
          target: 'grant',
          provider: holder.name,
          sessions: linkedSessions,
          existed,
        });
        lines.push(
          existed
            ? `forgot the ${holder.label} grant of ${JSON.stringify(id)} (${linkedSessions} linked session(s))`
            : `no ${holder.label} grant for ${JSON.stringify(id)}`,
        );
      }
      return { code: 0, out: lines.join('\n') };
    }
  }
}

/**
 * `token-bff doctor` with what it talks through: the configured store (none for the embedded
 * one) and a connection pool whose connect timeout bounds every outbound call's first step.
 */
export async function runDoctorCommand(
  config: Config,
  out: DoctorDeps['out'],
  checks: readonly DoctorCheck[],
): Promise<0 | 1> {
  const kv = config.redis.topology ? createKv(config) : undefined;
  const dispatcher = new Agent({ connect: { timeout: config.limits.upstreamConnectTimeoutMs } });
  try {
    return await runDoctor({ config, kv, dispatcher, out }, checks);
  } finally {
    await Promise.all([kv?.close(), dispatcher.destroy()]);
  }
}
