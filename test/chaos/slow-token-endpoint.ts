import {
  asLiker,
  likeCoinEnv,
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  REDIRECT_URI,
} from '../support/likecoin-flow';
import { startLikeCoinStandIn } from '../support/likecoin-stand-in';
import { call, figures, problemCode, runLoad } from '../support/load';
import { startRedisServer } from '../support/redis-server';
import { Scenario, sleep, webConnects, type ScenarioResult } from './scenario';
import { startBuiltService } from './service';

const TIMEOUT_MS = 2_000;
const LIKERS = 10;
const CALLS_PER_LIKER = 3;

/**
 * LikeCoin's token endpoint answers only after 10 s, while every session needs a refresh: the
 * proxied calls give up after LIKECOIN_TIMEOUT_MS with 504 provider_timeout, and nothing else
 * in the service slows down meanwhile (/healthz stays fast).
 */
export async function slowTokenEndpoint(): Promise<ScenarioResult> {
  const s = new Scenario('token endpoint answering after 10 s (LIKECOIN_TIMEOUT_MS=2000)');
  const redis = await startRedisServer();
  const provider = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  const service = await startBuiltService({
    ...likeCoinEnv(provider),
    REDIS_URL: redis.url,
    LIKECOIN_TIMEOUT_MS: String(TIMEOUT_MS),
  }).catch(async (err: unknown) => {
    await provider.close();
    await redis.dispose();
    throw err;
  });
  try {
    // Connected while the provider's clock is an hour behind: every token set is expired.
    const realSeconds = () => Math.floor(Date.now() / 1000);
    provider.setClock(() => realSeconds() - 3600);
    const cookies: string[] = [];
    for (let i = 0; i < LIKERS; i++) {
      asLiker(provider, `slow-liker-${i}`);
      cookies.push(await webConnects(service.url));
    }
    provider.setClock(realSeconds);
    provider.behaviour.tokenDelayMs = 10_000;

    let proxiedDone = false;
    const health = runLoad({
      concurrency: 2,
      maxRequests: 2_000,
      maxMs: 15_000,
      until: () => proxiedDone,
      send: async () => {
        const a = await call(`${service.url}/healthz`, { fresh: false });
        await sleep(10);
        return a;
      },
    });
    const proxied = await Promise.all(
      cookies.flatMap((cookie) =>
        Array.from({ length: CALLS_PER_LIKER }, () =>
          call(`${service.url}/likecoin/api/users/profile`, {
            headers: { cookie, 'x-csrf': '1' },
            fresh: false,
          }),
        ),
      ),
    );
    proxiedDone = true;
    const healthAnswers = await health;

    const p = figures(proxied);
    const h = figures(healthAnswers);
    s.measure(`proxied calls needing a refresh (${LIKERS} Likers × ${CALLS_PER_LIKER})`, p);
    s.measure('GET /healthz meanwhile, 2 in parallel', h);
    s.note(
      `  refreshes sent to the token endpoint: ${provider.requests.filter((r) => r.body.includes('grant_type=refresh_token')).length}`,
    );

    const wrong = proxied.filter((a) => a.status !== 504 || problemCode(a) !== 'provider_timeout');
    s.rule(
      wrong.length === 0,
      `every proxied call 504 provider_timeout (got ${wrong
        .slice(0, 3)
        .map((a) => `${a.status} ${problemCode(a) ?? a.error ?? ''}`)
        .join('; ')})`,
    );
    const bound = TIMEOUT_MS + 1_000;
    s.rule(p.max <= bound, `bounded: no proxied call over ${bound} ms (max ${p.max} ms)`);
    s.rule(p.max >= TIMEOUT_MS - 100, `the service waited its timeout (max ${p.max} ms)`);
    s.rule(
      Object.keys(h.statuses).join() === '200',
      `/healthz always 200 (${JSON.stringify(h.statuses)})`,
    );
    s.rule(h.p99 < 50, `/healthz p99 under 50 ms (${h.p99} ms)`);
  } finally {
    await service.kill();
    await provider.close();
    await redis.dispose();
  }
  return s.result();
}
