/**
 * Baseline (f), "floor of the mandated stack": the floor app (floor-app.ts) and a token route
 * that reads the session user and signs an HS256 JWT with node:crypto's createHmac, with the
 * claims of LiveLike's profile token (iss, iat, custom_profile_id, exp).
 *
 * Env: PORT, LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET, and floor-app.ts's.
 */
import { createHmac } from 'node:crypto';
import { floorApp, listen } from './floor-app';

const clientId = process.env.LIVELIKE_CLIENT_ID ?? '';
const secret = process.env.LIVELIKE_CLIENT_SECRET ?? '';
const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const expiresIn = 3600;

function sign(userId: string, iat: number): string {
  const claims = { iss: clientId, iat, custom_profile_id: userId, exp: iat + expiresIn };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

const floor = floorApp();
floor.app.get('/livelike/token', (req, res) => {
  const userId = req.session.userId;
  if (!userId) {
    res.status(401).json({ error: 'not_authenticated' });
    return;
  }
  const iat = Math.floor(Date.now() / 1000);
  res.json({
    access_token: sign(userId, iat),
    token_type: 'Bearer',
    expires_in: expiresIn,
    expires_at: new Date((iat + expiresIn) * 1000).toISOString(),
    custom_profile_id: userId,
  });
});
listen(floor);
