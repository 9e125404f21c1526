/**
 * S4: a refresh storm. `stormSize` concurrent proxied calls on an access token that had expired
 * when it was stored; the refreshes are counted at the stand-in (target: exactly 1).
 */
import type { LikeCoinStandIn } from '../../test/support/harness';
import { LOAD_CPU, runJsonChild } from '../lib/procs';
import type { Ratio } from '../lib/report';
import { connectLikeCoin, login, VIA_HTTPS } from '../lib/service';
import { log, SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { StormInput, StormResult } from '../storm';

export interface StormOutcome {
  storm: StormResult;
  refreshes: number;
  ratio: Ratio;
  line: string;
  warnings: string[];
}

const refreshCount = (standIn: LikeCoinStandIn) =>
  standIn.requests.filter(
    (r) => r.path === '/oauth/access_token' && r.body.includes('grant_type=refresh_token'),
  ).length;

/** A session connected while the stand-in's clock ran an hour behind: its token is expired. */
async function expiredSession(shared: Shared): Promise<string> {
  const { standIn, service } = shared;
  const realSeconds = () => Math.floor(Date.now() / 1000);
  standIn.nextUser = {
    user: 'storm-liker',
    displayName: 'Storm',
    avatar: 'https://static.like.co/avatar/storm-liker.png',
  };
  standIn.setClock(() => realSeconds() - 3600);
  try {
    const { sessionToken } = await login(service, shared.appJwtSecret, 'bench-storm-user');
    return await connectLikeCoin(service, sessionToken);
  } finally {
    standIn.setClock(realSeconds);
  }
}

function describe(storm: StormResult, refreshes: number): StormOutcome {
  const ok = storm.errors === 0 && storm.non2xx === 0;
  const ratio: Ratio = {
    name: `S4 refreshes per storm (${SETTINGS.stormSize} calls)`,
    value: refreshes,
    display: `${refreshes}, ${storm.errors} errors, ${storm.non2xx} non-2xx, p99 ${storm.p99.toFixed(1)} ms`,
    target: 'exactly 1, 0 errors',
    met: refreshes === 1 && ok,
    note: ok
      ? undefined
      : `INVALID: ${JSON.stringify(storm.statusCodes)} ${storm.errorMessages.join(' / ')}`.trim(),
  };
  const line =
    `S4: ${SETTINGS.stormSize} concurrent calls on an expired LikeCoin token: ${refreshes} refresh(es) at the stand-in, ` +
    `statuses ${JSON.stringify(storm.statusCodes)}, ${storm.errors} errors, p50 ${storm.p50.toFixed(1)} ms, ` +
    `p99 ${storm.p99.toFixed(1)} ms, max ${storm.max.toFixed(1)} ms, storm wall time ${storm.wallMs.toFixed(0)} ms`;
  const warnings = ok
    ? []
    : [`INVALID S4: ${JSON.stringify(storm.statusCodes)}, ${storm.errors} errors`];
  return { storm, refreshes, ratio, line, warnings };
}

export async function refreshStorm(shared: Shared): Promise<StormOutcome> {
  log(`\nbench: S4 refresh storm, ${SETTINGS.stormSize} concurrent proxied calls`);
  const token = await expiredSession(shared);
  const before = refreshCount(shared.standIn);
  const input: StormInput = {
    origin: shared.service.url,
    path: '/likecoin/api/users/profile',
    headers: { Authorization: `Bearer ${token}`, ...VIA_HTTPS },
    count: SETTINGS.stormSize,
    warmPath: '/healthz',
  };
  const storm = await runJsonChild<StormResult>('storm', 'bench/storm.ts', input, {
    cpu: LOAD_CPU,
  });
  const refreshes = refreshCount(shared.standIn) - before;
  log(
    `  refreshes at the stand-in: ${refreshes}; statuses ${JSON.stringify(storm.statusCodes)}; ` +
      `errors ${storm.errors}; p50 ${storm.p50.toFixed(1)} ms, p99 ${storm.p99.toFixed(1)} ms, ` +
      `wall ${storm.wallMs.toFixed(0)} ms`,
  );
  return describe(storm, refreshes);
}
