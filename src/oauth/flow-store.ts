import { keys } from '../store/keys';
import type { Kv } from '../store/kv';
import type { SealedBox } from '../store/sealed-box';

/** What `state` stands for while the user is at the provider. */
export interface PendingFlow {
  sessionId: string;
  carrier: 'cookie' | 'bearer';
  returnTo: string;
  scopes: string[];
  codeVerifier?: string;
  /** OpenID Connect: the ID token must carry this `nonce`. */
  nonce?: string;
}

/** A bearer flow the browser came back from, waiting for the app to complete it. */
export interface ReturnedFlow extends PendingFlow {
  code: string;
}

const HANDLE = /^[A-Za-z0-9_-]{43}$/;

export interface FlowStoreOptions {
  /** The provider's key namespace. */
  namespace: string;
  ttlMs: number;
  maxOpenPerSession: number;
}

/** OAuth state records and one-time result handles, each usable once (read-and-delete). */
export class FlowStore {
  constructor(
    private readonly kv: Kv,
    private readonly box: SealedBox,
    private readonly opts: FlowStoreOptions,
  ) {}

  async savePending(state: string, flow: PendingFlow): Promise<void> {
    const { namespace, ttlMs, maxOpenPerSession } = this.opts;
    await this.kv.set(keys.oauthState(namespace, state), JSON.stringify(flow), ttlMs);
    const evicted = await this.kv.pushCapped(
      keys.openStates(namespace, flow.sessionId),
      state,
      maxOpenPerSession,
      ttlMs,
    );
    // One key at a time: states hash to slots of their own.
    await Promise.all(evicted.map((s) => this.kv.del(keys.oauthState(namespace, s))));
  }

  /** The flow `state` stands for, once; undefined for anything unknown, used, expired or malformed. */
  async takePending(state: unknown): Promise<PendingFlow | undefined> {
    if (typeof state !== 'string' || !HANDLE.test(state)) return undefined;
    const raw = await this.kv.take(keys.oauthState(this.opts.namespace, state));
    return raw === null ? undefined : (JSON.parse(raw) as PendingFlow);
  }

  /** Keeps the returned code (sealed: it is a credential) under a one-time handle. */
  async saveReturned(handle: string, flow: ReturnedFlow): Promise<void> {
    await this.kv.set(
      keys.flowResult(this.opts.namespace, handle),
      await this.box.seal(JSON.stringify(flow), handle),
      this.opts.ttlMs,
    );
  }

  async takeReturned(handle: unknown): Promise<ReturnedFlow | undefined> {
    if (typeof handle !== 'string' || !HANDLE.test(handle)) return undefined;
    const sealed = await this.kv.take(keys.flowResult(this.opts.namespace, handle));
    const plaintext = sealed === null ? undefined : await this.box.open(sealed, handle);
    return plaintext === undefined ? undefined : (JSON.parse(plaintext) as ReturnedFlow);
  }
}
