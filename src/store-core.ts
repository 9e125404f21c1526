import type { Request } from 'express';
import type { Config } from './config';
import type { Provider, ProviderStore } from './area/provider';
import { SessionStore } from './session/express-session-adapter';
import type { AuditLog } from './log/audit';
import { SessionIndex, type EndedSession } from './session/session-index';
import type { SessionTouchHook } from './session/session-lifecycle';
import type { Kv } from './store/kv';
import { SealedBox } from './store/sealed-box';

/**
 * What the service keeps in the store, built once per process on the provider list: sessions,
 * the users' device index (ending a session there undoes every provider's link to it), and each
 * provider's store part (its grants). The service builds its routes on it; the operator's
 * commands use it as it is, so a session they end is ended exactly as a logout ends it.
 */
export interface StoreCore {
  box: SealedBox;
  sessionStore: SessionStore;
  index: SessionIndex;
  /** Each provider's store part, in the list's order. */
  parts: readonly { provider: Provider; store: ProviderStore }[];
  /** What every provider keeps alive with a session. */
  onTouch: SessionTouchHook[];
  /** Every provider's part of GET /session. */
  describeProviders: (req: Request) => Promise<Record<string, unknown>>;
}

export interface StoreCoreDeps {
  config: Config;
  kv: Kv;
  now: () => number;
  providers: readonly Provider[];
  /** The audit trail: every session that ends here, and what the providers' grants do. */
  audit: AuditLog;
  /** A session ended, and why (the service counts them; its audit line is written beside). */
  onEnded?: (ended: EndedSession) => void;
}

export function createStoreCore({
  config,
  kv,
  now,
  providers,
  audit,
  onEnded = () => undefined,
}: StoreCoreDeps): StoreCore {
  const box = new SealedBox(config.tokenEncryptionKeys);
  const parts = providers.map((provider) => ({
    provider,
    store: provider.open({ config, kv, box, now, audit }),
  }));
  const stores = parts.map((p) => p.store);
  const sessionStore = new SessionStore(kv, config.session.ttlSeconds);
  const index = new SessionIndex({
    kv,
    store: sessionStore,
    ttlMs: config.session.ttlSeconds * 1000,
    now,
    onEnd: stores.flatMap((s) => (s.onEnd ? [s.onEnd] : [])),
    // The one place a session's end is told: the count and the audit line cannot disagree.
    onEnded: (ended) => {
      onEnded(ended);
      const { userId, device, reason, ip, lapsedAt } = ended;
      // A session made only to run a sign-in flow had nobody in it: there is no one to name.
      if (userId !== undefined) audit.sessionEnded({ userId, device, reason, ip, lapsedAt });
    },
  });
  const views = parts.flatMap(({ provider, store }) =>
    store.view ? [{ name: provider.name, view: store.view }] : [],
  );
  return {
    box,
    sessionStore,
    index,
    parts,
    onTouch: stores.flatMap((s) => (s.onTouch ? [s.onTouch] : [])),
    describeProviders: async (req) =>
      Object.fromEntries(
        await Promise.all(views.map(async ({ name, view }) => [name, await view(req)] as const)),
      ),
  };
}
