/**
 * The floor of the mandated stack, shared by baselines (f) and (g): Express 5 + express-session
 * (resave: false, saveUninitialized: false) + connect-redis 8 (disableTouch: true) + ioredis
 * (enableAutoPipelining: true), set up as those libraries' READMEs show, plus the POST /login the
 * harness uses to make sessions. Nothing else: no body parser on the hot routes, no logger.
 *
 * Env: REDIS_URL, REDIS_KEY_PREFIX, SESSION_SECRET.
 */
import { RedisStore } from 'connect-redis';
import express, { type Express } from 'express';
import session from 'express-session';
import { Redis } from 'ioredis';

declare module 'express-session' {
  interface SessionData {
    userId: string;
  }
}

export interface FloorApp {
  app: Express;
  redis: Redis;
  prefix: string;
}

/** `onLogin` runs before the session is saved (g stores the user's upstream token there). */
export function floorApp(onLogin?: (user: string) => Promise<void>): FloorApp {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    enableAutoPipelining: true,
  });
  const prefix = process.env.REDIS_KEY_PREFIX ?? 'myapp:';
  const app = express();
  app.use(
    session({
      store: new RedisStore({ client: redis, prefix, disableTouch: true }),
      resave: false,
      saveUninitialized: false,
      secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    }),
  );
  app.post('/login', express.json(), async (req, res) => {
    const user = String(req.body?.user ?? 'bench-user-1');
    await onLogin?.(user);
    req.session.userId = user;
    res.json({ ok: true });
  });
  return { app, redis, prefix };
}

export function listen({ app, redis }: FloorApp): void {
  const server = app.listen(Number(process.env.PORT), '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close(() => {
      redis.disconnect();
      process.exit(0);
    });
  });
}
