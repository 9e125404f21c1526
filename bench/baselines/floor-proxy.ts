/**
 * Baseline (g), "floor proxy": the floor app (floor-app.ts), one Redis GET for the user's
 * upstream token, and an undici `stream` to upstream (d) written straight into the response, as
 * undici's docs show (the response passed as `opaque`, returned by the factory).
 *
 * Env: PORT, UPSTREAM_URL (e.g. http://127.0.0.1:1234/api), and floor-app.ts's.
 */
import { randomBytes } from 'node:crypto';
import { stream } from 'undici';
import { floorApp, listen } from './floor-app';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:3000/api';

const floor = floorApp(async (user) => {
  // Stands in for the user's stored access token: one per user, opaque to us.
  await floor.redis.set(`${floor.prefix}token:${user}`, randomBytes(32).toString('base64url'));
});
floor.app.get('/likecoin/api/users/profile', async (req, res) => {
  const userId = req.session.userId;
  const token = userId ? await floor.redis.get(`${floor.prefix}token:${userId}`) : null;
  if (!token) {
    res.status(401).json({ error: 'not_connected' });
    return;
  }
  try {
    await stream(
      `${upstream}/users/profile`,
      { method: 'GET', headers: { authorization: `Bearer ${token}` }, opaque: res },
      ({ statusCode, headers, opaque }) => {
        const out = opaque as typeof res;
        out.status(statusCode);
        for (const name of ['content-type', 'content-length']) {
          const value = headers[name];
          if (value !== undefined) out.setHeader(name, value);
        }
        return out;
      },
    );
  } catch {
    if (!res.headersSent) res.status(502).json({ error: 'upstream_failed' });
    else res.destroy();
  }
});
listen(floor);
