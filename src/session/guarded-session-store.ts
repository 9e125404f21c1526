import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import type { Kv } from '../store/kv';

type Callback = (err?: unknown, data?: unknown) => void;

/**
 * connect-redis, with one guarantee added: a destroyed session stays destroyed. Ending a
 * session leaves a tombstone, and every save is refused while the tombstone exists, so a
 * request that loaded the session before the logout cannot write it back when it finishes.
 */
export class GuardedSessionStore extends RedisStore {
  private readonly tombstoneTtlMs: number;

  constructor(
    private readonly kv: Kv,
    ttlSeconds: number,
  ) {
    // Reads go through connect-redis as usual; the Kv already speaks its `get`.
    super({ client: kv, prefix: 'sess:', ttl: ttlSeconds, disableTouch: true });
    // A resurrecting write would live at most one idle lifetime, so the tombstone outlives it.
    this.tombstoneTtlMs = ttlSeconds * 1000;
  }

  override async set(sid: string, sess: SessionData, cb?: Callback): Promise<void> {
    try {
      await this.kv.setUnlessGuarded(
        this.prefix + sid,
        this.tombstoneKey(sid),
        this.serializer.stringify(sess),
        this.ttlMsOf(sess),
      );
      cb?.();
    } catch (err) {
      if (!cb) throw err;
      cb(err);
    }
  }

  override async destroy(sid: string, cb?: Callback): Promise<void> {
    try {
      // Tombstone first: a save landing between the two steps is refused too.
      await this.kv.set(this.tombstoneKey(sid), '1', this.tombstoneTtlMs);
      await this.kv.del(this.prefix + sid);
      cb?.();
    } catch (err) {
      if (!cb) throw err;
      cb(err);
    }
  }

  private tombstoneKey(sid: string): string {
    return `sess-ended:${sid}`;
  }

  private ttlMsOf(sess: SessionData): number {
    const expires = sess.cookie?.expires;
    if (expires) return Math.max(1, new Date(expires).getTime() - Date.now());
    return typeof this.ttl === 'number' ? this.ttl * 1000 : this.ttl(sess) * 1000;
  }
}
