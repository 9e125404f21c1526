import type { Kv } from '../store/kv';
import type { SealedBox } from '../store/sealed-box';

/** What `state` stands for while the user is at the provider. */
export interface PendingFlow {
  sessionId: string;
  carrier: 'cookie' | 'bearer';
  returnTo: string;
  scopes: string[];
  codeVerifier?: string;
}

/** A bearer flow the browser came back from, waiting for the app to complete it. */
export interface ReturnedFlow extends PendingFlow {
  code: string;
}

// A handful of open flows per session: enough for a few tabs, too few to fill the store.
const MAX_OPEN_FLOWS_PER_SESSION = 5;
const HANDLE = /^[A-Za-z0-9_-]{43}$/;

/** OAuth state records and one-time result handles, each usable once (read-and-delete). */
export class FlowStore {
  constructor(
    private readonly kv: Kv,
    private readonly box: SealedBox,
    private readonly ttlMs: number,
  ) {}

  async savePending(state: string, flow: PendingFlow): Promise<void> {
    await this.kv.set(this.stateKey(state), JSON.stringify(flow), this.ttlMs);
    const evicted = await this.kv.pushCapped(
      `likecoin:open-states:${flow.sessionId}`,
      state,
      MAX_OPEN_FLOWS_PER_SESSION,
      this.ttlMs,
    );
    if (evicted.length > 0) await this.kv.del(...evicted.map((s) => this.stateKey(s)));
  }

  /** The flow `state` stands for, once; undefined for anything unknown, used, expired or malformed. */
  async takePending(state: unknown): Promise<PendingFlow | undefined> {
    if (typeof state !== 'string' || !HANDLE.test(state)) return undefined;
    const raw = await this.kv.take(this.stateKey(state));
    return raw === null ? undefined : (JSON.parse(raw) as PendingFlow);
  }

  /** Keeps the returned code (sealed: it is a credential) under a one-time handle. */
  async saveReturned(handle: string, flow: ReturnedFlow): Promise<void> {
    await this.kv.set(
      this.resultKey(handle),
      await this.box.seal(JSON.stringify(flow), handle),
      this.ttlMs,
    );
  }

  async takeReturned(handle: unknown): Promise<ReturnedFlow | undefined> {
    if (typeof handle !== 'string' || !HANDLE.test(handle)) return undefined;
    const sealed = await this.kv.take(this.resultKey(handle));
    const plaintext = sealed === null ? undefined : await this.box.open(sealed, handle);
    return plaintext === undefined ? undefined : (JSON.parse(plaintext) as ReturnedFlow);
  }

  private stateKey(state: string): string {
    return `likecoin:state:${state}`;
  }

  private resultKey(handle: string): string {
    return `likecoin:result:${handle}`;
  }
}
