/**
 * Baseline (h)'s auth endpoint, "floor auth": the floor app (floor-app.ts) answering nginx's
 * auth_request subrequest with the user's upstream token, as (g) reads it (the session, then one
 * Redis GET for the token), and nothing else: no CSRF, origin, path or rate-limit checks, no
 * refresh. nginx (the same deploy/nginx configuration as S6) then streams the call to (d).
 *
 * Env: PORT, and floor-app.ts's.
 */
import { randomBytes } from 'node:crypto';
import { floorApp, listen } from './floor-app';

const floor = floorApp(async (user) => {
  await floor.redis.set(`${floor.prefix}token:${user}`, randomBytes(32).toString('base64url'));
});
floor.app.get('/auth/likecoin', async (req, res) => {
  const userId = req.session.userId;
  const token = userId ? await floor.redis.get(`${floor.prefix}token:${userId}`) : null;
  if (!token) {
    res.status(401).end();
    return;
  }
  res.setHeader('Authorization', `Bearer ${token}`);
  res.status(200).end();
});
listen(floor);
