// A stand-in for a React Native app: plain Node, so no DOM and no cookie jar, running the
// frontend client's own build (client/dist, the module the service serves to pages) in bearer
// mode on Node's fetch. The test drives it over the IPC channel, one call at a time:
// { id, call, args } ⇒ { id, value } or { id, error: { name, message, status, code } }.
import { createTokenBff } from '../../client/dist/token-bff-client.js';

const [baseUrl] = process.argv.slice(2);
// What the app would keep in the Keychain / Keystore, in order (null: told to drop it).
const kept = [];
const bff = createTokenBff({
  baseUrl,
  // A fresh install: nothing in the Keychain yet, so no sessionToken; bearer mode all the same.
  mode: 'bearer',
  onSessionToken: (token) => kept.push(token ?? null),
});

// A Response does not cross a process boundary: its status and body do.
const answerOf = async (res) => ({ status: res.status, body: await res.text() });

const calls = {
  signIn: (idToken) => bff.signIn(idToken),
  signOut: () => bff.signOut(),
  session: () => bff.session(),
  sessionToken: () => bff.sessionToken() ?? null,
  keptTokens: () => kept,
  liveLikeToken: () => bff.liveLike.token(),
  liveLikeRenew: () => bff.liveLike.renew(),
  connect: (returnTo, scope) => bff.likecoin.connect(returnTo, scope),
  complete: (result) => bff.likecoin.complete(result),
  likecoinFetch: async (path) => answerOf(await bff.likecoin.fetch(path)),
  livelikeFetch: async (path) => answerOf(await bff.livelike.fetch(path)),
};

process.on('message', async ({ id, call, args }) => {
  try {
    process.send({ id, value: await calls[call](...args) });
  } catch (err) {
    const { name, message, status, code } = err;
    process.send({ id, error: { name, message, status, code } });
  }
});
// The test is gone: so is the app.
process.on('disconnect', () => process.exit(0));
