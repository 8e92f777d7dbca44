// Shared by the wizard, approval and console pages: language, texts, dates, the token in the fragment,
// a fetch wrapper that understands problem+json and sends the token in the Authorization header (or the
// console's operator key), a small DOM builder (text only, never HTML strings, so names and emails from the
// API can never become markup), dialogs, and the page controller: the screen that moves focus and announces
// when it changes (createScreen, all three pages), and the load–poll–command loop the link pages run on (createPage).

import { goneReasons, limitReasons } from './contract.js';
import { dictionaries } from './i18n.js';

const storageKey = 'serverless-provisioning.lang';
const languageListeners = [];
let language = initialLanguage();

function initialLanguage() {
  try {
    const stored = localStorage.getItem(storageKey);
    if (stored && Object.hasOwn(dictionaries, stored)) {
      return stored;
    }
  } catch {
    // Storage can be disabled; fall back to the browser's language.
  }

  return (navigator.language || '').toLowerCase().startsWith('es') ? 'es' : 'en';
}

/** The page language: 'en' or 'es'. */
export function currentLanguage() {
  return language;
}

/** The locale used to format dates and numbers: the browser's own when it is in the page language. */
export function locale() {
  const preferred = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''])
    .find(l => l.toLowerCase().split('-')[0] === language);
  return preferred || (language === 'es' ? 'es-ES' : 'en-GB');
}

/** A text in the page language, with {placeholders} filled from params. */
export function t(key, params) {
  const text = dictionaries[language][key] ?? dictionaries.en[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole)) : text;
}

/** Whether a key exists (for codes the API may add later). */
export function hasText(key) {
  return Object.hasOwn(dictionaries[language], key);
}

/** Registers a callback run after the language changes (to render the current view again). */
export function onLanguageChange(callback) {
  languageListeners.push(callback);
}

/** Switches the language, remembers it, and updates every static text and the listeners. */
export function setLanguage(next) {
  if (!Object.hasOwn(dictionaries, next) || next === language) {
    return;
  }

  language = next;
  try {
    localStorage.setItem(storageKey, next);
  } catch {
    // Not remembered; still switched for this page.
  }

  applyStaticTexts();
  languageListeners.forEach(callback => callback());
}

/** Fills every [data-i18n] element, the page title and <html lang>; wires the language switch. */
export function applyStaticTexts(titleKey) {
  if (titleKey) {
    document.documentElement.dataset.titleKey = titleKey;
  }

  document.documentElement.lang = language;
  document.title = `${t(document.documentElement.dataset.titleKey || 'brand')} · ${t('brand')}`;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }

  const switcher = document.getElementById('language-switch');
  if (switcher) {
    switcher.textContent = t('lang.switch');
    switcher.lang = t('lang.switchLang');
    switcher.setAttribute('aria-label', t('lang.switchLabel'));
  }
}

/** Wires the language switch button once. */
export function initLanguageSwitch(titleKey) {
  applyStaticTexts(titleKey);
  const switcher = document.getElementById('language-switch');
  switcher?.addEventListener('click', () => setLanguage(language === 'es' ? 'en' : 'es'));
}

/**
 * The token from the address fragment (#t=…); null when absent. Browsers never send a fragment, and the
 * pages send the token only in the Authorization header, so it appears in no URL a server or proxy logs.
 */
export function tokenFromFragment() {
  const fragment = window.location.hash.replace(/^#/, '');
  const token = new URLSearchParams(fragment).get('t');
  return token && token.trim() ? token.trim() : null;
}

/** A date-only value (organization creation) in the reader's locale; API dates are midnight UTC. */
export function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** A deadline in the reader's locale and time zone, with the zone's name. */
export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(date);
}

/** A whole number in the reader's locale. */
export function formatNumber(value) {
  return new Intl.NumberFormat(locale()).format(value);
}

/** A <time> element: machine-readable datetime, readable text. */
export function timeElement(iso, dateOnly) {
  const element = h('time', { datetime: dateOnly ? String(iso).slice(0, 10) : iso }, dateOnly ? formatDate(iso) : formatDateTime(iso));
  return element;
}

/**
 * Calls the API. Resolves with {status, ok, offline, data, problem}: data is the JSON body of a success,
 * problem the parsed problem+json of a failure ({title, detail, errors, reason…}); offline is true
 * (status 0) when the server could not be reached at all.
 *
 * auth: {token} sends a link token as `Authorization: Bearer` and no cookies (the link pages); {headers,
 * credentials} adds headers and sends cookies as asked (the console: its key, and an App Service sign-in cookie).
 */
export async function api(method, path, body, auth) {
  const { token, headers: extra, credentials } = auth || {};
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }

  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: credentials || 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    return { status: 0, ok: false, offline: true, data: null, problem: null };
  }

  let json = null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      json = await response.json();
    } catch {
      json = null;
    }
  }

  return response.ok
    ? { status: response.status, ok: true, offline: false, data: json, problem: null }
    : { status: response.status, ok: false, offline: false, data: null, problem: json && typeof json === 'object' ? json : {} };
}

/** The kind of a 410: the problem's `reason` (one of the contract's goneReasons), or 'gone' for one the page does not know. */
export function goneKind(problem) {
  return goneReasons.includes(problem?.reason) ? problem.reason : 'gone';
}

/** The error screen's key for a failed call: notFound, one of the goneReasons, gone or server. */
export function errorKind(result) {
  if (result.status === 404) {
    return 'notFound';
  }

  return result.status === 410 ? goneKind(result.problem) : 'server';
}

/**
 * Builds an element. props: class, text, on<Event> handlers, booleans (true sets the attribute),
 * anything else as an attribute; null/undefined/false are skipped. Children: nodes, strings, arrays.
 */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }

    if (name === 'class') {
      element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }

  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }

    if (Array.isArray(child)) {
      append(element, child);
    } else {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
}

/**
 * A text with {placeholders} replaced by nodes (e.g. a bold organization name), keeping the
 * translation's word order.
 */
export function tNodes(key, params) {
  const text = t(key);
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/\{(\w+)\}/g)) {
    parts.push(text.slice(last, match.index));
    const value = params[match[1]];
    // A node may fill several sentences (and the same placeholder twice): each use gets its own copy.
    parts.push(value === undefined ? match[0] : value instanceof Node ? value.cloneNode(true) : String(value));
    last = match.index + match[0].length;
  }

  parts.push(text.slice(last));
  return parts;
}

/** <strong>text</strong>, for names inside sentences. */
export function strong(text) {
  return h('strong', null, text);
}

/** Announces a short message to screen readers through the page's polite live region. */
export function announce(message) {
  const region = document.getElementById('status');
  if (region) {
    region.textContent = '';
    // A fresh text node after clearing makes screen readers announce the same words twice in a row.
    window.setTimeout(() => { region.textContent = message; }, 50);
  }
}

/**
 * A native modal dialog in `container`: focus goes inside (to the `autofocus` button if any), Escape closes it,
 * and focus returns to `opener` (the button that opened it) when it closes.
 */
export function openDialog(container, opener, attributes, ...content) {
  const dialog = h('dialog', { class: 'dialog', ...attributes }, content);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener?.isConnected) {
      opener.focus();
    }
  });
  container.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Replaces the view's content and, when asked, moves focus to its heading (after each step). */
export function show(container, nodes, moveFocus) {
  container.replaceChildren(...nodes.flat().filter(Boolean));
  if (moveFocus) {
    const heading = container.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }
}

/** A definition list from [label, value] pairs (values may be nodes); pairs with a null value are skipped. */
export function facts(pairs, className) {
  return h('dl', { class: ['facts', className] }, pairs.filter(p => p[1] !== null && p[1] !== undefined).map(([label, value]) => h('div', { class: 'facts__row' }, h('dt', null, label), h('dd', null, value))));
}

/** A spinner plus text, for waiting states (the text says what happens; the spinner is decoration). */
export function progress(text) {
  return h('p', { class: 'progress' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', null, text));
}

/** The error screen: a heading, an explanation, the server's own words when they help, and actions. */
export function errorSection(kind, problem, actions) {
  // Each kind has its error.<kind>.title and error.<kind>.text; a 410's kind is its reason.
  const known = ['notFound', 'missing', ...goneReasons, 'gone', 'network', 'server'].includes(kind) ? kind : 'server';
  // The server's detail is English; it adds precision to an unknown 410 or a server error.
  const detail = problem && problem.detail && (kind === 'gone' || kind === 'server') ? problem.detail : null;
  return h('section', { class: ['panel', 'panel--error'], 'data-state': `error-${kind}`, 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t(`error.${known}.title`)),
    h('p', null, t(`error.${known}.text`)),
    detail ? h('p', { class: 'muted', lang: 'en' }, t('error.serverSays', { detail })) : null,
    actions && actions.length ? h('p', { class: 'actions' }, actions) : null);
}

/** A button. */
export function button(text, onClick, variant, extra) {
  return h('button', { type: 'button', class: ['button', variant && `button--${variant}`], onClick, ...extra }, text);
}

// ---- The page controller -------------------------------------------------------------------------

/**
 * Draws a page's screens into `view`. Each screen has a key; when the key changes, focus moves to the new
 * screen's heading and the heading is announced, with any note the screen marks `data-announce`. The first
 * screen takes no focus (the reader just opened the page); moveFocus, when given, decides instead.
 */
export function createScreen(view) {
  let lastKey = null;
  return {
    /** The key of the screen shown last; null before the first. */
    get key() {
      return lastKey;
    },
    show(key, nodes, moveFocus) {
      const changed = key !== lastKey;
      const focus = moveFocus ?? (lastKey !== null && changed);
      lastKey = key;
      show(view, nodes, focus);
      if (changed && focus) {
        const heading = view.querySelector('h1');
        const notes = [...view.querySelectorAll('[data-announce]')].map(node => node.textContent);
        announce([heading?.textContent ?? '', ...notes].join(' ').trim());
      }
    },
  };
}

const fastPollMs = 1000;
const offlinePollMs = 5000;
// A command whose effect never shows as a different state (the same details sent again) stops showing its progress.
const pendingLimitMs = 30000;

/**
 * The plumbing both pages run on, so that each page file holds only its screens and commands: reads the
 * token, loads the state, accepts each new one, explains failures (with a retry where one helps), polls
 * while the workflow moves on its own, sends commands (progress, 400, 409, offline), keeps a banner,
 * renders, and moves focus and announces when the screen changes.
 *
 * options:
 * - titleKey, loadingKey: the page's title and the loading heading (i18n keys);
 * - resource: the API path the token opens (`/api/wizard`); commands post to resource + path;
 * - stateKey(state): names the screen a state shows; focus moves to its heading when the name changes;
 * - renderState(state): the section a state shows;
 * - pollDelay(state): ms until the next GET, for a state that changes by itself (the workflow moving on, a
 *   deadline), 0 for none.
 *
 * Returns {state, view, send, render, setBanner}.
 */
export function createPage(options) {
  const { titleKey, loadingKey, resource, stateKey, renderState, pollDelay } = options;
  const view = document.getElementById('view');
  const display = createScreen(view);
  const token = tokenFromFragment();

  /** What the page shows: loading, the state, or an error screen. */
  let screen = { kind: 'loading' };
  /** The last state the API returned. */
  let state = null;
  /** A command sent whose effect is not visible yet: its progress shows until `settled(state)`. */
  let pending = null;
  /** A message above the current step: conflict, invalid, offline, or a page's own note. */
  let banner = null;
  let lastJson = null;
  let pollTimer = 0;

  initLanguageSwitch(titleKey);
  onLanguageChange(() => render(false));
  window.addEventListener('hashchange', () => window.location.reload());
  if (token) {
    load();
  } else {
    screen = { kind: 'error', error: 'missing' };
    render();
  }

  function call(method, path, body) {
    return api(method, resource + path, body, { token });
  }

  function reloadFromScratch() {
    screen = { kind: 'loading' };
    render();
    load();
  }

  async function load() {
    const result = await call('GET', '');
    if (result.offline) {
      showError('network', null, reloadFromScratch);
      return;
    }

    if (!result.ok) {
      fail(result, reloadFromScratch);
      return;
    }

    accept(result.data);
  }

  // A new state from the API: render it when anything changed (moving focus when the screen did) and keep
  // polling while it moves on its own.
  function accept(data) {
    state = data;
    if (pending && (pending.settled(state) || Date.now() - pending.since > pendingLimitMs)) {
      settle();
    }

    screen = { kind: 'state' };
    const json = JSON.stringify(state);
    if (json !== lastJson || currentKey() !== display.key) {
      lastJson = json;
      render();
    }

    schedulePoll();
  }

  function settle() {
    const done = pending;
    pending = null;
    done.onSettled?.(state);
  }

  function fail(result, retry) {
    const kind = errorKind(result);
    showError(kind, result.problem, kind === 'server' ? retry : null);
  }

  function showError(kind, problem, retry) {
    pending = null;
    stopPolling();
    screen = { kind: 'error', error: kind, problem, retry };
    render();
  }

  function schedulePoll(delay) {
    stopPolling();
    if (screen.kind !== 'state' || !state) {
      return;
    }

    const wait = delay ?? (pending ? fastPollMs : pollDelay(state));
    if (wait > 0) {
      pollTimer = window.setTimeout(poll, wait);
    }
  }

  function stopPolling() {
    window.clearTimeout(pollTimer);
    pollTimer = 0;
  }

  async function poll() {
    const result = await call('GET', '');
    if (result.offline) {
      if (!banner || banner.kind !== 'offline') {
        banner = { kind: 'offline' };
        render(false);
      }

      schedulePoll(offlinePollMs);
      return;
    }

    if (banner && banner.kind === 'offline') {
      banner = null;
      render(false);
    }

    if (!result.ok) {
      fail(result, reloadFromScratch);
      return;
    }

    accept(result.data);
  }

  /**
   * Posts a command to resource + path. command: {kind, progress(state), settled(state), onSettled(state),
   * retry, invalid(problem)}. While it is on its way the page shows progress(state); a 200 carries the next
   * state, a 202 is followed by polling until settled(state) says the effect is visible. A 409 (the step
   * was answered elsewhere) reloads under a banner saying so; a 400 goes to invalid(problem), else to a
   * banner; no answer shows the network error with command.retry.
   */
  async function send(path, body, command) {
    banner = null;
    pending = { settled: () => true, ...command, since: Date.now() };
    render();
    stopPolling();
    const result = await call('POST', path, body);
    if (result.offline) {
      showError('network', null, command.retry);
      return;
    }

    if (result.ok) {
      if (result.status !== 202 && pending) {
        state = result.data;
        settle();
      }

      accept(result.data);
      return;
    }

    pending = null;
    if (result.status === 409) {
      banner = { kind: 'conflict' };
      lastJson = null;
      await load();
      return;
    }

    if (result.status === 400 && command.invalid) {
      command.invalid(result.problem);
      return;
    }

    if (result.status === 400) {
      banner = { kind: 'invalid', detail: Object.values(result.problem.errors || {}).flat().join(' ') || result.problem.detail };
      render();
      schedulePoll();
      return;
    }

    if (result.status === 429) {
      // A cap on a loop the person drives (codes, approval requests): nothing was sent; say which, and what still works.
      banner = { kind: 'limit', reason: limitReasons.includes(result.problem.reason) ? result.problem.reason : null, detail: result.problem.detail };
      render();
      schedulePoll();
      return;
    }

    fail(result, command.retry);
  }

  function currentKey() {
    if (screen.kind !== 'state') {
      return screen.kind === 'error' ? `error:${screen.error}` : screen.kind;
    }

    return pending ? `pending:${pending.kind}` : stateKey(state);
  }

  /**
   * Draws the current screen; focus moves to its heading (and it is announced) when the screen changed, unless
   * moveFocus says otherwise. The first state after loading takes no focus: the page was just opened.
   */
  function render(moveFocus) {
    display.show(currentKey(), [bannerNode(), mainSection()], moveFocus ?? (display.key === 'loading' ? false : undefined));
  }

  function mainSection() {
    if (screen.kind === 'loading') {
      return h('section', { class: 'panel', 'data-state': 'loading', 'aria-labelledby': 'view-title' },
        h('h1', { id: 'view-title' }, t(loadingKey)),
        progress(t('common.loading')));
    }

    if (screen.kind === 'error') {
      return errorSection(screen.error, screen.problem, screen.retry ? [button(t('common.retry'), screen.retry, 'primary')] : []);
    }

    return pending ? pending.progress(state) : renderState(state);
  }

  function bannerNode() {
    if (!banner || screen.kind === 'error') {
      return null;
    }

    if (banner.kind === 'offline') {
      return h('div', { class: ['banner', 'banner--warning'], role: 'status' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t('common.connectionLost'));
    }

    if (banner.kind === 'note') {
      // A page's own news about the step it shows (a new code sent), read out with the heading.
      return h('div', { class: ['banner', 'banner--info'], 'data-banner': banner.name, 'data-announce': true },
        h('p', null, h('span', { class: 'icon', 'aria-hidden': 'true' }, 'i'), ' ', tNodes(banner.key, banner.params || {})));
    }

    if (banner.kind === 'limit') {
      return h('div', { class: ['banner', 'banner--error'], role: 'alert', 'data-banner': 'limit', 'data-reason': banner.reason || '' },
        h('p', null, h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', banner.reason ? t(`limit.${banner.reason}`) : t('error.invalid')),
        banner.reason ? null : h('p', { class: 'muted', lang: 'en' }, t('error.serverSays', { detail: banner.detail })));
    }

    const conflict = banner.kind === 'conflict';
    return h('div', { class: ['banner', conflict ? 'banner--info' : 'banner--error'], role: 'alert' },
      h('p', null, h('span', { class: 'icon', 'aria-hidden': 'true' }, conflict ? 'i' : '!'), ' ', t(conflict ? 'error.conflict' : 'error.invalid')),
      banner.detail ? h('p', { class: 'muted', lang: 'en' }, t('error.serverSays', { detail: banner.detail })) : null);
  }

  return {
    /** The last state the API returned. */
    get state() {
      return state;
    },
    /** Where dialogs go. */
    view,
    send,
    render,
    /**
     * Sets the banner shown above the step from the next render: {kind: 'invalid', detail}, or
     * {kind: 'note', name, key, params} for a page's own news; null clears it.
     */
    setBanner(next) {
      banner = next;
    },
  };
}
