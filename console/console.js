/* global document, location, history, sessionStorage, fetch, URL, URLSearchParams, TextDecoder, atob, btoa, crypto, setInterval, clearInterval */
/*
 * The token-bff developer console. It doubles as reference code for a browser frontend that
 * uses the cookie session: every call below is made exactly as such a frontend must make it.
 * No framework and no build step, so what you read is what runs.
 */
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);

  // Where LikeCoin and the demo login send the browser back to: this page, without its query
  // or fragment (ALLOWED_RETURN_TO must allow it; by default it allows PUBLIC_BASE_URL's origin).
  const CONSOLE_URL = location.origin + location.pathname;

  // ---- calling token-bff --------------------------------------------------------------------

  /**
   * One call to token-bff, the way a browser frontend makes it:
   * - `credentials: 'same-origin'` sends the HttpOnly session cookie (this page is served by the
   *   service itself; a frontend on another origin uses 'include' and must be in CORS_ORIGINS).
   * - `X-CSRF: 1` on every call but GET /session: the service refuses cookie-carried calls
   *   without it (403 csrf_rejected). A custom header cannot be sent cross-site without a CORS
   *   preflight, which only allowed origins pass, so the header proves the call is ours.
   * - `redirect: 'manual'`: a proxied upstream's redirect is passed back, never followed; the
   *   browser then hides it (status 0), which is what the page reports.
   * Never throws: a network failure comes back as status 0 with a message, so every panel can
   * show whatever happened.
   */
  async function call(method, path, { body, contentType } = {}) {
    const headers = {};
    if (!(method === 'GET' && path === '/session')) headers['X-CSRF'] = '1';
    if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
    let result;
    try {
      const res = await fetch(path, {
        method,
        headers,
        body,
        credentials: 'same-origin',
        redirect: 'manual',
      });
      result = {
        status: res.status,
        ok: res.ok,
        contentType: res.headers.get('content-type') || '',
        body: await readBody(res),
      };
    } catch (err) {
      result = { status: 0, ok: false, contentType: '', body: { error: String(err) } };
    }
    logRequest(method, path, result);
    return result;
  }

  /** JSON (problem+json included) parsed, anything else as text, a 204 as null. */
  async function readBody(res) {
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

  const pretty = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

  /** Shows an answer as it came: status, content type, then the body (a problem+json as is). */
  function render(el, result, body = result.body) {
    const status = result.status === 0 ? 'no HTTP answer' : `HTTP ${result.status}`;
    const type = result.contentType ? ` · ${result.contentType}` : '';
    el.textContent = body === null ? `${status}${type}` : `${status}${type}\n\n${pretty(body)}`;
    el.className = `result ${result.ok ? 'ok' : 'error'}`;
  }

  function logRequest(method, path, result) {
    const li = document.createElement('li');
    const code = result.body && typeof result.body === 'object' ? result.body.code : undefined;
    li.textContent = `${new Date().toLocaleTimeString()}  ${method} ${path} → ${result.status}${code ? ` ${code}` : ''}`;
    if (!result.ok) li.className = 'error';
    $('request-log').prepend(li);
  }

  // ---- sign in and the session ---------------------------------------------------------------

  async function signIn(idToken) {
    const result = await call('POST', '/session', { body: JSON.stringify({ id_token: idToken }) });
    // session_token is for clients without a cookie jar (apps send it as a Bearer). This page
    // uses the HttpOnly cookie the same answer set, so it neither keeps nor shows the token.
    const shown =
      result.ok && result.body && result.body.session_token
        ? { ...result.body, session_token: '(hidden: this page uses the cookie)' }
        : result.body;
    render($('signin-result'), result, shown);
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
    const result = await call('GET', '/session');
    render($('session-result'), result);
    const summary = $('session-summary');
    const likecoin = $('likecoin-status');
    if (!result.ok) {
      summary.textContent = `Session unknown (${result.body && result.body.code})`;
      likecoin.textContent = 'connected: unknown';
      return;
    }
    const { authenticated, user, likecoin: lc } = result.body;
    summary.textContent = authenticated
      ? `Signed in as ${user.id} (${user.source})`
      : 'Not signed in';
    likecoin.textContent =
      lc && lc.connected
        ? `connected: true, as ${lc.user} (${lc.displayName}), scopes: ${lc.scopes.join(' ')}`
        : 'connected: false';
  }

  async function logOut() {
    const result = await call('DELETE', '/session');
    render($('session-result'), result);
    stopCountdown();
    $('devices').replaceChildren();
    await refreshSession();
  }

  // ---- LiveLike ------------------------------------------------------------------------------

  let countdown;
  // The LiveLike client id (a token's `iss`) gives the proxy path of the token's own profile.
  // Kept in sessionStorage because connecting LikeCoin reloads the page; it is not a secret.
  const LIVELIKE_ISS_KEY = 'token-bff-console:livelike-iss';
  const liveLikeProfilePath = () => {
    const iss = sessionStorage.getItem(LIVELIKE_ISS_KEY);
    return `/applications/${iss ? encodeURIComponent(iss) : '<LIVELIKE_CLIENT_ID>'}/profile/`;
  };

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
  function startCountdown(expiresIn, expiresAt) {
    stopCountdown();
    const el = $('livelike-expiry');
    if (expiresIn === null) {
      el.textContent = 'never (LIVELIKE_TOKEN_TTL_SECONDS=0)';
      return;
    }
    const deadline = Date.now() + expiresIn * 1000;
    const tick = () => {
      const left = Math.round((deadline - Date.now()) / 1000);
      if (left <= 0) {
        el.textContent = `expired (${expiresAt}): fetch a new one`;
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

  async function fetchLiveLikeToken() {
    const result = await call('GET', '/livelike/token');
    render($('livelike-result'), result);
    stopCountdown();
    for (const id of ['livelike-header', 'livelike-claims']) $(id).textContent = '';
    $('livelike-profile').textContent = '—';
    $('livelike-expiry').textContent = '—';
    if (!result.ok) return;
    const { header, claims } = decodeJwt(result.body.access_token);
    $('livelike-header').textContent = pretty(header);
    $('livelike-claims').textContent = pretty(claims);
    $('livelike-profile').textContent = claims.custom_profile_id;
    sessionStorage.setItem(LIVELIKE_ISS_KEY, claims.iss);
    startCountdown(result.body.expires_in, result.body.expires_at);
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
    const path = everywhere ? '/likecoin/connection?everywhere=true' : '/likecoin/connection';
    render($('likecoin-result'), await call('DELETE', path));
    await refreshSession();
  }

  // ---- devices -------------------------------------------------------------------------------

  async function listDevices() {
    const result = await call('GET', '/sessions');
    render($('devices-result'), result);
    const list = $('devices');
    list.replaceChildren();
    if (!result.ok || !result.body || !Array.isArray(result.body.sessions)) return;
    for (const device of result.body.sessions) {
      const li = document.createElement('li');
      const text = document.createElement('span');
      text.textContent = [
        device.current ? 'this device' : 'another device',
        device.carrier,
        device.user_agent || 'unknown client',
        `since ${device.created_at}`,
        `last seen ${device.last_seen_at}`,
      ].join(' · ');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'log out';
      // The id is an opaque handle, not a credential: knowing it lets nobody act as that device.
      button.addEventListener('click', () =>
        endDevice(`/sessions/${encodeURIComponent(device.id)}`, device.current),
      );
      li.append(text, button);
      list.append(li);
    }
  }

  async function endDevice(path, wasCurrent) {
    const result = await call('DELETE', path);
    render($('devices-result'), result);
    if (!result.ok) return;
    if (wasCurrent) await refreshSession();
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
    const path = `/${provider}/api/${$('proxy-path').value.trim().replace(/^\/+/, '')}`;
    const text = $('proxy-body').value;
    let options = {};
    if (method !== 'GET' && text.trim() !== '') {
      options = { body: text, contentType: isJson(text) ? 'application/json' : 'text/plain' };
    }
    const result = await call(method, path, options);
    $('proxy-status').textContent =
      result.status === 0 ? 'no HTTP answer (or a redirect)' : `HTTP ${result.status}`;
    render($('proxy-result'), result);
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
    const result = await call('GET', '/console/config.json');
    if (result.ok && result.body && result.body.demo_login_url) {
      const loginUrl = result.body.demo_login_url;
      // Only a click of the link starts a sign-in, with a new state each time; the href alone
      // (a new tab, a copied link) reaches a provider page that asks to start from here.
      $('demo-login').href = loginUrl;
      $('demo-login').addEventListener('click', (event) => startDemoLogin(event, loginUrl));
      $('demo-login-row').hidden = false;
    }
  }

  async function start() {
    $('signin-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void signIn($('id-token').value.trim());
    });
    $('session-refresh').addEventListener('click', () => void refreshSession());
    $('logout').addEventListener('click', () => void logOut());
    $('livelike-token').addEventListener('click', () => void fetchLiveLikeToken());
    $('likecoin-connect').href = `/likecoin/authorize?return_to=${encodeURIComponent(CONSOLE_URL)}`;
    $('likecoin-disconnect').addEventListener('click', () => void disconnectLikeCoin(false));
    $('likecoin-disconnect-everywhere').addEventListener(
      'click',
      () => void disconnectLikeCoin(true),
    );
    $('devices-list').addEventListener('click', () => void listDevices());
    $('devices-logout-others').addEventListener(
      'click',
      () => void endDevice('/sessions?keep=current', false),
    );
    $('proxy-form').addEventListener('submit', (event) => void sendProxied(event));
    $('proxy-provider').addEventListener('change', switchProvider);

    showLikeCoinReturn();
    const idToken = takeIdTokenFromFragment();
    await loadPageConfig();
    if (idToken) await signIn(idToken);
    else await refreshSession();
    // For tests and curious readers: the page has done its first round of calls.
    document.body.dataset.ready = 'true';
  }

  void start();
})();
