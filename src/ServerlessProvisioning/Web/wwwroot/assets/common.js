// Shared by the wizard and approval pages: language, texts, dates, the token in the fragment,
// a fetch wrapper that understands problem+json, and a small DOM builder (text only, never HTML
// strings, so names and emails from the API can never become markup).

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

/** The token from the address fragment (#t=…); null when absent. It is only ever sent in the API path. */
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
 * problem the parsed problem+json of a failure ({title, detail, errors}); offline is true (status 0)
 * when the server could not be reached at all.
 */
export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
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

/** The kind of a 410: expired, replaced or cancelled — the problem's `reason`, else read from its detail. */
export function goneKind(problem) {
  if (problem && ['expired', 'replaced', 'cancelled'].includes(problem.reason)) {
    return problem.reason;
  }

  const detail = (problem && problem.detail ? String(problem.detail) : '').toLowerCase();
  if (detail.includes('replaced')) {
    return 'replaced';
  }

  if (detail.includes('cancel')) {
    return 'cancelled';
  }

  return detail.includes('expired') ? 'expired' : 'gone';
}

/** The error screen's key for a failed call: notFound, expired, replaced, cancelled, gone or server. */
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
  const titles = {
    notFound: ['error.notFound.title', 'error.notFound.text'],
    missing: ['error.missing.title', 'error.missing.text'],
    expired: ['error.expired.title', 'error.expired.text'],
    replaced: ['error.replaced.title', 'error.replaced.text'],
    cancelled: ['error.cancelled.title', 'error.cancelled.text'],
    gone: ['error.gone.title', 'error.gone.text'],
    network: ['error.network.title', 'error.network.text'],
    server: ['error.server.title', 'error.server.text'],
  };
  const [title, text] = titles[kind] || titles.server;
  // The server's detail is English; it adds precision to an unknown 410 or a server error.
  const detail = problem && problem.detail && (kind === 'gone' || kind === 'server') ? problem.detail : null;
  return h('section', { class: ['panel', 'panel--error'], 'data-state': `error-${kind}`, 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t(title)),
    h('p', null, t(text)),
    detail ? h('p', { class: 'muted', lang: 'en' }, t('error.serverSays', { detail })) : null,
    actions && actions.length ? h('p', { class: 'actions' }, actions) : null);
}

/** A button. */
export function button(text, onClick, variant, extra) {
  return h('button', { type: 'button', class: ['button', variant && `button--${variant}`], onClick, ...extra }, text);
}
