/**
 * Baseline (c): the token route as most tutorials write it. express-session + connect-redis
 * (8.x) + ioredis with default options; the session options are the ones connect-redis's own
 * README shows (resave: false, saveUninitialized: false, rolling left at its default false) plus
 * the usual one-day cookie; so every hit costs a Redis GET and, as express-session "touches" an
 * unchanged session, an EXPIRE. The LiveLike secret is turned into a key (TextEncoder) and the
 * token signed with jose's SignJWT on every request.
 *
 * Env: PORT, REDIS_URL, SESSION_SECRET, LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET, REDIS_KEY_PREFIX.
 */
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';

declare module 'express-session' {
  interface SessionData {
    userId: string;
  }
}

const redisClient = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

const app = express();
app.use(express.json());
app.use(
  session({
    store: new RedisStore({ client: redisClient, prefix: process.env.REDIS_KEY_PREFIX ?? 'sess:' }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, maxAge: 24 * 60 * 60 * 1000 },
  }),
);

// The harness logs in once to get a cookie.
app.post('/login', (req, res) => {
  req.session.userId = String(req.body?.user ?? 'bench-user-1');
  res.json({ ok: true });
});

app.get('/livelike/token', async (req, res) => {
  if (!req.session.userId) {
    res.status(401).json({ error: 'not_authenticated' });
    return;
  }
  const secret = new TextEncoder().encode(process.env.LIVELIKE_CLIENT_SECRET);
  const expiresIn = 3600;
  const iat = Math.floor(Date.now() / 1000);
  const accessToken = await new SignJWT({ custom_profile_id: req.session.userId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(process.env.LIVELIKE_CLIENT_ID ?? '')
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresIn)
    .sign(secret);
  res.json({
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: expiresIn,
    expires_at: new Date((iat + expiresIn) * 1000).toISOString(),
    custom_profile_id: req.session.userId,
  });
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => {
    redisClient.disconnect();
    process.exit(0);
  });
});
