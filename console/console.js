/* global document, location, history, sessionStorage, fetch, URL, URLSearchParams, TextDecoder, atob, btoa, crypto, setInterval, clearInterval, confirm */
/*
 * The token-bff developer console: the reference frontend. Everything it does with the
 * service goes through the frontend client (/client/token-bff-client.js, client/ in the
 * repository), exactly as a browser frontend's code would; the page only adds what a console
 * shows: each answer as it arrived, and a log of every request. No framework and no build step.
 */
import { createTokenBff, TokenBffError } from '/client/token-bff-client.js';

const $ = (id) => document.getElementById(id);

// Where LikeCoin and the demo login send the browser back to: this page, without its query
// or fragment (ALLOWED_RETURN_TO must allow it; by default it allows PUBLIC_BASE_URL's origin).
const CONSOLE_URL = location.origin + location.pathname;

// ---- what the service answered -------------------------------------------------------------

/**
 * Every answer the client receives, as it came (status, content type, body), kept for the
 * panels and the request log. The client does the calling; this only watches.
 */
const answers = [];

async function watchedFetch(input, init = {}) {
  const method = (init.method || 'GET').toUpperCase();
  const url = new URL(String(input), location.href);
  const path = url.pathname + url.search;
  try {
    const res = await fetch(input, init);
    const answer = {
      method,
      path,
      status: res.status,
      ok: res.ok,
      contentType: res.headers.get('content-type') || '',
      body: await readBody(res.clone()),
    };
    answers.push(answer);
    logRequest(answer);
    return res;
  } catch (err) {
    const answer = {
      method,
      path,
      status: 0,
      ok: false,
      contentType: '',
      body: { error: String(err) },
    };
    answers.push(answer);
    logRequest(answer);
    throw err;
  }
}

const bff = createTokenBff({ baseUrl: '', fetch: watchedFetch });

/** JSON (problem+json included) parsed, anything else as text, an empty body as null. */
async function readBody(res) {
  if (res.type === 'opaqueredirect') return null;
  const text = await res.text();
  if (text === '') return null;
  if (/json/i.test(res.headers.get('content-type') || '')) {
    try {
      return JSON.parse(text);
    } catch {
      return text; // the upstream said JSON and sent something else: show what it sent
    }
  }
  return text;
}

/**
 * Runs one of the client's calls and shows, in `el`, the answer that came back for it (a
 * refusal's problem+json as it is; `shape` may change what is shown of a success).
 * Resolves to { ok, value, answer }: a refusal is a TokenBffError from the client, shown here.
 */
async function show(el, call, shape = (body) => body) {
  const before = answers.length;
  let value;
  let failure;
  try {
    value = await call();
  } catch (err) {
    failure = err;
  }
  const answer = answers.length > before ? answers[answers.length - 1] : undefined;
  if (answer) {
    render(el, answer, answer.ok ? shape(answer.body) : answer.body);
  } else if (failure instanceof TokenBffError) {
    // Refused by the client itself, without a request (signed out on this page).
    const { status, code, detail } = failure;
    render(el, { status: -2, ok: false, contentType: '' }, { status, code, detail });
  } else if (failure) {
    render(el, { status: 0, ok: false, contentType: '' }, { error: String(failure) });
  } else {
    // The client answered from what it already had (a LiveLike token it reuses).
    render(el, { status: -1, ok: true, contentType: '' }, shape(value));
  }
  return { ok: failure === undefined, value, answer };
}

const pretty = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** Shows an answer: status, content type, then the body (a problem+json as is). */
function render(el, answer, body = answer.body) {
  const status =
    answer.status === -1
      ? 'from the client (reused, no request)'
      : answer.status === -2
        ? 'refused by the client (no request)'
        : answer.status === 0
          ? 'no HTTP answer'
          : `HTTP ${answer.status}`;
  const type = answer.contentType ? ` · ${answer.contentType}` : '';
  el.textContent =
    body === null || body === undefined
      ? `${status}${type}`
      : `${status}${type}\n\n${pretty(body)}`;
  el.className = `result ${answer.ok ? 'ok' : 'error'}`;
}

// ---- the request log, kept across LikeCoin's round trip -------------------------------------

// Connecting LikeCoin is a navigation away and back; the log (no tokens in it: method, path,
// status, code) is kept in this tab's sessionStorage so the way back does not lose it.
const LOG_KEY = 'token-bff-console:request-log';
const LOG_LIMIT = 100;

function logRequest({ method, path, status, body }) {
  const code = body && typeof body === 'object' ? body.code : undefined;
  const entry = {
    at: new Date().toLocaleTimeString(),
    line: `${method} ${path} → ${status}${code ? ` ${code}` : ''}`,
    error: status === 0 || status >= 400,
  };
  showLogEntry(entry);
  const kept = readLog();
  kept.unshift(entry);
  writeSession(LOG_KEY, JSON.stringify(kept.slice(0, LOG_LIMIT)));
}

function showLogEntry(entry, where = 'prepend') {
  const li = document.createElement('li');
  li.textContent = `${entry.at}  ${entry.line}`;
  if (entry.error) li.className = 'error';
  $('request-log')[where](li);
}

function readLog() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(LOG_KEY) || '[]');
    return Array.isArray(kept) ? kept : [];
  } catch {
    return [];
  }
}

function writeSession(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // storage blocked: the console still works, it just forgets across navigations
  }
}

// ---- sign in and the session ---------------------------------------------------------------

async function signIn(idToken) {
  // session_token is for clients without a cookie jar (apps send it as a Bearer). This page
  // uses the HttpOnly cookie the same answer set, so it neither keeps nor shows the token.
  await show(
    $('signin-result'),
    () => bff.signIn(idToken),
    (body) =>
      body && body.session_token
        ? { ...body, session_token: '(hidden: this page uses the cookie)' }
        : body,
  );
  clearLiveLikePanel();
  await refreshSession();
}

/*
 * Login CSRF: anyone can get an ID token for an account of their own and send a link to
 * `/console#id_token=<it>`. Signing in from it would put the visitor in the sender's account,
 * where what they do next is the sender's to see. So the page signs in from a fragment only
 * when it started that sign-in itself: it sends a fresh nonce as `state` and keeps it in this
 * tab's sessionStorage, which no other site can read or write; the provider sends it back next
 * to the token. Anything else is ignored and never posted. A token pasted into the form is a
 * click of the user's own and needs none of this.
 */
const LOGIN_STATE_KEY = 'token-bff-console:login-state';

function newLoginState() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The nonce this tab's sign-in was started with, if any, taken out so it works only once. */
function takeLoginState() {
  try {
    const state = sessionStorage.getItem(LOGIN_STATE_KEY);
    sessionStorage.removeItem(LOGIN_STATE_KEY);
    return state;
  } catch {
    return null; // storage blocked: no sign-in from a fragment then
  }
}

function startDemoLogin(event, loginUrl) {
  event.preventDefault();
  const state = newLoginState();
  try {
    sessionStorage.setItem(LOGIN_STATE_KEY, state);
  } catch {
    showSignInNotice('This browser blocks sessionStorage: paste an ID token instead.');
    return;
  }
  const url = new URL(loginUrl);
  url.searchParams.set('state', state);
  location.assign(url.href);
}

function showSignInNotice(text) {
  const notice = $('signin-notice');
  notice.textContent = text;
  notice.hidden = false;
}

/**
 * The ID token the demo provider (or any front-channel login) returned in `#id_token=…`, if
 * this page started that sign-in; undefined otherwise. Runs once, on load.
 */
function takeIdTokenFromFragment() {
  // Every load uses up the stored nonce, whether or not it brings a token back.
  const expected = takeLoginState();
  const params = new URLSearchParams(location.hash.slice(1));
  const idToken = params.get('id_token');
  if (idToken === null && !params.has('state')) return undefined;
  // A fragment never reaches a server, but it stays in the address bar and the history and
  // is copied with the URL: take it out before anything else happens.
  history.replaceState(null, '', location.pathname + location.search);
  if (!idToken) return undefined;
  const state = params.get('state');
  if (!expected || state !== expected) {
    showSignInNotice(
      'Ignored a sign-in link this page did not start: its ID token was not sent. ' +
        'Use "Sign in with the demo provider" or paste a token below.',
    );
    return undefined;
  }
  return idToken;
}

async function refreshSession() {
  const { value: view } = await show($('session-result'), () => bff.session());
  const summary = $('session-summary');
  const likecoin = $('likecoin-status');
  if (!view) {
    summary.textContent = 'Session unknown (see the answer below)';
    likecoin.textContent = 'connected: unknown';
    return undefined;
  }
  const { authenticated, user, likecoin: lc } = view;
  summary.textContent = authenticated
    ? `Signed in as ${user.id} (${user.source})`
    : 'Not signed in';
  likecoin.textContent =
    lc && lc.connected
      ? `connected: true, as ${lc.user} (${lc.displayName}), scopes: ${lc.scopes.join(' ')}`
      : 'connected: false';
  return view;
}

async function logOut() {
  await show($('session-result'), () => bff.signOut());
  clearLiveLikePanel();
  $('devices').replaceChildren();
  await refreshSession();
}

// ---- LiveLike ------------------------------------------------------------------------------

let countdown;
// Shown again after LikeCoin's round trip (the page reloads); a flag, never the token.
const LIVELIKE_SHOWN_KEY = 'token-bff-console:livelike-shown';
let liveLikeClientId;
const liveLikeProfilePath = () =>
  `/applications/${liveLikeClientId ? encodeURIComponent(liveLikeClientId) : '<LIVELIKE_CLIENT_ID>'}/profile/`;

/**
 * Decoding is not verifying: the page cannot check the signature (the secret stays on the
 * server) and need not; it hands the token to LiveLike's SDK, which does.
 */
function decodeJwt(jwt) {
  const part = (s) => {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  };
  const [header, claims] = jwt.split('.');
  return { header: part(header), claims: part(claims) };
}

function stopCountdown() {
  if (countdown !== undefined) clearInterval(countdown);
  countdown = undefined;
}

/**
 * Counts down from `expires_in`, measured from when the answer arrived, rather than from the
 * `exp` claim: the browser's clock may be off from the server's, a duration is not.
 */
function startCountdown(expiresIn, expiresAt, receivedAt) {
  stopCountdown();
  const el = $('livelike-expiry');
  if (expiresIn === null) {
    el.textContent = 'never (LIVELIKE_TOKEN_TTL_SECONDS=0)';
    return;
  }
  const deadline = receivedAt + expiresIn * 1000;
  const tick = () => {
    const left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 0) {
      el.textContent = `expired (${expiresAt}): get a new one`;
      stopCountdown();
      return;
    }
    const m = Math.floor(left / 60);
    const s = String(left % 60).padStart(2, '0');
    el.textContent = `in ${m}m ${s}s (${expiresAt})`;
  };
  tick();
  countdown = setInterval(tick, 1000);
}

function clearLiveLikePanel({ keepAnswer = false } = {}) {
  stopCountdown();
  const answer = keepAnswer ? [] : ['livelike-result'];
  for (const id of ['livelike-header', 'livelike-claims', ...answer]) $(id).textContent = '';
  $('livelike-profile').textContent = '—';
  $('livelike-expiry').textContent = '—';
  writeSession(LIVELIKE_SHOWN_KEY, null);
}

const receivedAt = new Map();

async function showLiveLikeToken(renew) {
  const get = renew ? () => bff.liveLike.renew() : () => bff.liveLike.token();
  const { value: token } = await show($('livelike-result'), get);
  if (!token) {
    clearLiveLikePanel({ keepAnswer: true });
    return;
  }
  // The client reuses a token until 60 s before its expiry; the countdown is from its arrival.
  if (!receivedAt.has(token.access_token)) receivedAt.set(token.access_token, Date.now());
  const { header, claims } = decodeJwt(token.access_token);
  $('livelike-header').textContent = pretty(header);
  $('livelike-claims').textContent = pretty(claims);
  $('livelike-profile').textContent = claims.custom_profile_id;
  liveLikeClientId = claims.iss;
  writeSession(LIVELIKE_SHOWN_KEY, 'true');
  startCountdown(token.expires_in, token.expires_at, receivedAt.get(token.access_token));
}

// ---- LikeCoin ------------------------------------------------------------------------------

/**
 * Connecting is a navigation, not a fetch: the whole page goes to LikeCoin's authorize page
 * and comes back to return_to through /likecoin/callback. On the way back the service gives
 * the session a new id (a new cookie), and `?error=access_denied` when the user said no.
 */
function showLikeCoinReturn() {
  const params = new URLSearchParams(location.search);
  const error = params.get('error');
  if (error === null) return;
  const el = $('likecoin-result');
  el.textContent = `Back from LikeCoin with error=${error}`;
  el.className = 'result error';
  // Reloading the page should not show the same error again.
  params.delete('error');
  const query = params.toString();
  history.replaceState(null, '', location.pathname + (query ? `?${query}` : ''));
}

async function disconnectLikeCoin(everywhere) {
  if (
    everywhere &&
    !confirm(
      'Disconnect LikeCoin everywhere? Every session of this Liker, on every device, loses the connection.',
    )
  )
    return;
  await show($('likecoin-result'), () => bff.likecoin.disconnect({ everywhere }));
  await refreshSession();
}

// ---- devices -------------------------------------------------------------------------------

/** "just now", "5 min ago", "3 h ago", then the date: a person reads these at a glance. */
function ago(iso) {
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleString();
}

async function listDevices() {
  const { value: page } = await show($('devices-result'), () => bff.devices.list());
  const list = $('devices');
  list.replaceChildren();
  if (!page || !Array.isArray(page.sessions)) return;
  // This device first, then the others newest first (the order the service gives).
  const devices = [...page.sessions].sort((a, b) => Number(b.current) - Number(a.current));
  for (const device of devices) {
    const li = document.createElement('li');
    if (device.current) li.className = 'current';
    const text = document.createElement('span');
    const created = document.createElement('time');
    created.dateTime = device.created_at;
    created.title = device.created_at;
    created.textContent = `signed in ${ago(device.created_at)}`;
    const seen = document.createElement('time');
    seen.dateTime = device.last_seen_at;
    seen.title = device.last_seen_at;
    seen.textContent = `last seen ${ago(device.last_seen_at)}`;
    text.append(
      [
        device.current ? 'this device' : 'another device',
        device.carrier,
        device.user_agent || 'unknown client',
      ].join(' · ') + ' · ',
      created,
      ' · ',
      seen,
    );
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = device.current ? 'log out' : 'log out that device';
    if (!device.current) button.className = 'danger';
    // The id is an opaque handle, not a credential: knowing it lets nobody act as that device.
    button.addEventListener('click', () => void endDevice(device));
    li.append(text, button);
    list.append(li);
  }
}

async function endDevice(device) {
  if (
    !device.current &&
    !confirm(`Log out that device (${device.user_agent || 'unknown client'})?`)
  )
    return;
  const { ok } = await show($('devices-result'), () => bff.devices.end(device.id));
  if (!ok) return;
  if (device.current) {
    clearLiveLikePanel();
    await refreshSession();
  }
  await listDevices();
}

async function logOutOtherDevices() {
  if (!confirm('Log out every other device of this user? This device stays signed in.')) return;
  await show($('devices-result'), () => bff.devices.endOthers());
  await listDevices();
}

// ---- proxied calls -------------------------------------------------------------------------

const defaultPath = {
  likecoin: () => '/users/profile',
  livelike: liveLikeProfilePath,
};

async function sendProxied(event) {
  event.preventDefault();
  const provider = $('proxy-provider').value;
  const method = $('proxy-method').value;
  // The path is the provider's own; the service adds its base URL and refuses anything that
  // could leave it (400 invalid_path) or is not under LIKECOIN_API_PATHS / LIVELIKE_API_PATHS.
  const path = $('proxy-path').value.trim();
  const text = $('proxy-body').value;
  const init = { method };
  if (method !== 'GET' && text.trim() !== '') {
    init.body = text;
    init.headers = { 'Content-Type': isJson(text) ? 'application/json' : 'text/plain' };
  }
  const { answer } = await show($('proxy-result'), () => bff[provider].fetch(path, init));
  // A redirect is passed back, never followed; the browser hides it from the page (status 0).
  $('proxy-status').textContent =
    !answer || answer.status === 0 ? 'no HTTP answer (or a redirect)' : `HTTP ${answer.status}`;
}

function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

let shownProvider = 'likecoin';
function switchProvider() {
  const next = $('proxy-provider').value;
  const input = $('proxy-path');
  // Swap in the other provider's example path, unless the path has been edited.
  if (input.value === defaultPath[shownProvider]()) input.value = defaultPath[next]();
  shownProvider = next;
}

// ---- start ---------------------------------------------------------------------------------

async function loadPageConfig() {
  const res = await fetch('/console/config.json', { credentials: 'same-origin' });
  const config = res.ok ? await res.json() : {};
  if (config.demo_login_url) {
    const loginUrl = config.demo_login_url;
    // Only a click of the link starts a sign-in, with a new state each time; the href alone
    // (a new tab, a copied link) reaches a provider page that asks to start from here.
    $('demo-login').href = loginUrl;
    $('demo-login').addEventListener('click', (event) => startDemoLogin(event, loginUrl));
    $('demo-login-row').hidden = false;
  }
}

async function start() {
  for (const entry of readLog().reverse()) showLogEntry(entry);
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn($('id-token').value.trim());
  });
  $('session-refresh').addEventListener('click', () => void refreshSession());
  $('logout').addEventListener('click', () => void logOut());
  $('livelike-token').addEventListener('click', () => void showLiveLikeToken(false));
  $('livelike-renew').addEventListener('click', () => void showLiveLikeToken(true));
  // The link works as a plain navigation too; the click goes through the client, as a page's would.
  $('likecoin-connect').href = `/likecoin/authorize?return_to=${encodeURIComponent(CONSOLE_URL)}`;
  $('likecoin-connect').addEventListener('click', (event) => {
    event.preventDefault();
    void bff.likecoin.connect(CONSOLE_URL);
  });
  $('likecoin-disconnect').addEventListener('click', () => void disconnectLikeCoin(false));
  $('likecoin-disconnect-everywhere').addEventListener(
    'click',
    () => void disconnectLikeCoin(true),
  );
  $('devices-list').addEventListener('click', () => void listDevices());
  $('devices-logout-others').addEventListener('click', () => void logOutOtherDevices());
  $('proxy-form').addEventListener('submit', (event) => void sendProxied(event));
  $('proxy-provider').addEventListener('change', switchProvider);

  showLikeCoinReturn();
  const idToken = takeIdTokenFromFragment();
  await loadPageConfig();
  if (idToken) await signIn(idToken);
  else {
    const view = await refreshSession();
    // Back from LikeCoin (or a reload) with the token panel open: show the user's token again.
    if (view && view.authenticated && sessionStorage.getItem(LIVELIKE_SHOWN_KEY) === 'true')
      await showLiveLikeToken(false);
  }
  // For tests and curious readers: the page has done its first round of calls.
  document.body.dataset.ready = 'true';
}

void start();
