import type { BrowserContext, Page } from 'playwright-core';

/**
 * LiveLike's own SDK, as npm ships it. Loaded into the page from node_modules, never copied:
 * the package declares no licence. Its UMD bundle defines the global `LiveLikeJs`.
 */
export const LIVELIKE_SDK_BUNDLE =
  require.resolve('@livelike/javascript/livelike-javascript.umd.js');

/** Served by playwright on the service's origin, so the page is same-origin with it. */
export const SDK_PAGE_PATH = '/__test/livelike-sdk.html';

export interface SdkPageOptions {
  /** The token-bff service: the page's origin. */
  serviceUrl: string;
  liveLikeClientId: string;
  /** LiveLike's REST base (the stand-in's apiUrl); the SDK wants it ending in '/'. */
  liveLikeApiUrl: string;
  /**
   * 'token-bff': the SDK is given the client's storageStrategy. 'sdk-default': the naive way,
   * the SDK's own storage, as a page that only passes each user's token to init.
   */
  storage: 'token-bff' | 'sdk-default';
}

/**
 * What the page offers the test, as a frontend would wire LiveLike's SDK to token-bff. Every
 * function also shows what happened on the page, so a screenshot reads as a story.
 */
export interface SdkPageApi {
  signIn(idToken: string): Promise<string>;
  signOut(): Promise<void>;
  /** LiveLike's init with the current user's token; resolves with its custom_profile_id. */
  initLiveLike(): Promise<string>;
  /** The SDK's getUserProfile; on a 401, renews the token, inits again and tries once more. */
  loadProfile(): Promise<string>;
  /** The SDK's updateUserProfile (a PATCH); resolves with the nickname LiveLike answered. */
  rename(nickname: string): Promise<string>;
  /** What the storage strategy hands the SDK right now (token-bff storage only). */
  tokenForSdk(): string;
}

type Action = keyof SdkPageApi;

/** Runs one of the page's functions, as its buttons would; a rejection rejects here. */
export function onPage<K extends Action>(
  page: Page,
  action: K,
  ...args: Parameters<SdkPageApi[K]>
): Promise<Awaited<ReturnType<SdkPageApi[K]>>> {
  return page.evaluate(
    ([name, list]) => {
      const api = (
        globalThis as unknown as { sdkPage: Record<string, (...a: unknown[]) => unknown> }
      ).sdkPage;
      return api[name]!(...list);
    },
    [action, args] as const,
  ) as Promise<Awaited<ReturnType<SdkPageApi[K]>>>;
}

/** A page of its own (fresh cookies) on the service's origin, with LiveLike's SDK loaded. */
export async function openSdkPage(
  context: BrowserContext,
  options: SdkPageOptions,
  beforeLoad: (page: Page) => Promise<void> = async () => undefined,
): Promise<Page> {
  const page = await context.newPage();
  await page.route(`${options.serviceUrl}${SDK_PAGE_PATH}`, (route) =>
    route.fulfill({ contentType: 'text/html; charset=utf-8', body: sdkPageHtml(options) }),
  );
  await beforeLoad(page);
  await page.goto(`${options.serviceUrl}${SDK_PAGE_PATH}`);
  // While a route is set, playwright answers CORS preflights itself: without one, Chromium
  // sends them to LiveLike (the stand-in), which must allow the page's origin as LiveLike does.
  await page.unrouteAll({ behavior: 'wait' });
  await page.addScriptTag({ path: LIVELIKE_SDK_BUNDLE });
  await page.locator('body[data-ready="true"]').waitFor();
  return page;
}

function sdkPageHtml(options: SdkPageOptions): string {
  const config = {
    clientId: options.liveLikeClientId,
    endpoint: `${options.liveLikeApiUrl.replace(/\/+$/, '')}/`,
    storage: options.storage,
  };
  // In a <script> element, "<" is the only character JSON can carry that HTML would read.
  const configJson = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>LiveLike's SDK through token-bff</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem; max-width: 52rem; color: #1b1b1b; }
  dl { display: grid; grid-template-columns: 16rem 1fr; gap: .3rem 1rem; }
  dt { font-weight: 600; }
  dd { margin: 0; font-family: ui-monospace, monospace; }
  #log { font-family: ui-monospace, monospace; font-size: 14px; }
  .refused { color: #a30000; }
</style>
</head>
<body data-ready="false">
<h1>LiveLike's SDK through token-bff</h1>
<p>Storage given to LiveLike's SDK: <b id="storage"></b></p>
<dl>
  <dt>Signed in to token-bff as</dt><dd id="signed-in">nobody</dd>
  <dt>LiveLike answered the profile of</dt><dd id="livelike-profile">—</dd>
  <dt>Its nickname at LiveLike</dt><dd id="livelike-nickname">—</dd>
  <dt>LiveLike's last refusal</dt><dd id="livelike-refusal">none</dd>
</dl>
<h2>What happened</h2>
<ol id="log"></ol>
<script type="application/json" id="config">${configJson}</script>
<script type="module">
import { createTokenBff } from '/client/token-bff-client.js';

const config = JSON.parse(document.getElementById('config').textContent);
const bff = createTokenBff({ baseUrl: location.origin });
const storage = config.storage === 'token-bff' ? bff.liveLike.storageStrategy() : undefined;
// Loaded by the test once the page is up (page.addScriptTag).
const LiveLike = () => window.LiveLikeJs;
// What a page typically keeps: the token it initialised the SDK with.
let initToken = '';

const show = (id, text) => { document.getElementById(id).textContent = text; };
const log = (text, refused = false) => {
  const li = document.createElement('li');
  li.textContent = text;
  if (refused) li.className = 'refused';
  document.getElementById('log').append(li);
};
const showProfile = (profile) => {
  show('livelike-profile', profile.custom_profile_id);
  show('livelike-nickname', profile.nickname);
};
// The SDK rejects with { status, message, errorDetail }, errorDetail being LiveLike's body.
const refusal = (err) => \`\${err.status} \${err.errorDetail?.detail ?? err.message}\`;
const refused = (what, err) => {
  show('livelike-refusal', refusal(err));
  log(\`\${what}: LiveLike refused (\${refusal(err)})\`, true);
  return new Error(\`LiveLike refused \${what}: \${refusal(err)}\`);
};

async function signIn(idToken) {
  const { user } = await bff.signIn(idToken);
  show('signed-in', user.id);
  log(\`signed in to token-bff as \${user.id}\`);
  return user.id;
}

async function signOut() {
  await bff.signOut();
  show('signed-in', 'nobody');
  show('livelike-profile', '—');
  show('livelike-nickname', '—');
  log('signed out of token-bff');
}

async function initLiveLike() {
  initToken = (await bff.liveLike.token()).access_token;
  const profile = await LiveLike()
    .init({
      clientId: config.clientId,
      accessToken: initToken,
      endpoint: config.endpoint,
      ...(storage ? { storageStrategy: storage } : {}),
    })
    .catch((err) => { throw refused('init', err); });
  showProfile(profile);
  log(\`LiveLike init: profile of \${profile.custom_profile_id}\`);
  return profile.custom_profile_id;
}

async function loadProfile() {
  const get = () => LiveLike().getUserProfile({ accessToken: initToken });
  let profile;
  try {
    profile = await get();
  } catch (err) {
    if (err?.status !== 401) throw refused('getUserProfile', err);
    refused('getUserProfile', err);
    // What LiveLike's 401 means for a profile token: get a new one and init the SDK with it.
    await bff.liveLike.renew();
    await initLiveLike();
    profile = await get().catch((again) => { throw refused('getUserProfile, again', again); });
  }
  showProfile(profile);
  log(\`LiveLike getUserProfile: profile of \${profile.custom_profile_id}\`);
  return profile.custom_profile_id;
}

async function rename(nickname) {
  const profile = await LiveLike()
    .updateUserProfile({ accessToken: initToken, options: { nickname } })
    .catch((err) => { throw refused(\`rename to \${nickname}\`, err); });
  showProfile(profile);
  log(\`LiveLike renamed profile \${profile.custom_profile_id} to \${profile.nickname}\`);
  return profile.nickname;
}

const tokenForSdk = () => storage.get().access_token;

show('storage', config.storage === 'token-bff'
  ? "token-bff's storageStrategy()"
  : "the SDK's own (the naive way)");
window.sdkPage = { signIn, signOut, initLiveLike, loadProfile, rename, tokenForSdk };
document.body.dataset.ready = 'true';
</script>
</body>
</html>
`;
}
