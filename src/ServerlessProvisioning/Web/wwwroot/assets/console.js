// The operator console: orders by stage, one order with its timeline and actions, the directory.
// Who is signing in comes from GET /api/operator: in Azure, behind App Service Authentication, a person signs in with
// Microsoft Entra ID (the 401 names where, /.auth/login/aad) and the session cookie carries every call, so the page
// never asks for a key. Locally it asks for the operator key, which lives only in sessionStorage (given once as
// #key=…, it is moved there and taken out of the address bar) and travels only in the x-functions-key header. Views are addressed by the fragment (#/orders,
// #/order/<id>, #/directory?email=…, #/organization/<id>), which browsers never send to a server.
// Text from the API is always inserted as text (common.js h()), never as HTML. Calls go through common.js api(),
// and views are drawn by its createScreen (focus and announcements when the view changes), like the other pages.

import {
  announce, api, button, createScreen, currentLanguage, facts, formatDateTime, formatNumber, h, initLanguageSwitch, onLanguageChange, openDialog, progress, strong, t,
  timeElement, tNodes,
} from './common.js';
import { limits, stages } from './contract.js';

const keyStorage = 'serverless-provisioning.operator-key';
// An order that waits is looked at again this often: enough to see a person act, modest on the API.
const orderPollMs = 4000;
const defaultPageSize = 25;

const view = document.getElementById('view');
const display = createScreen(view);
const nav = document.getElementById('console-nav');
let key = takeKeyFromFragment() || readKey();
// Who GET /api/operator says is calling ({ name, credential }), or null while nobody is.
let session = null;
// Where to sign in with Entra ID when App Service Authentication is on (from a 401), or null: then the key is asked for.
let entraSignIn = null;
// Signed in with Entra ID but without the operator role (a 403).
let forbidden = false;
// GET /api/operator could not be answered (offline, 5xx): its result, for the retry screen.
let unknown = null;
let signInError = null;
// Each rendering of a route gets a number; answers for an older one are dropped.
let generation = 0;
let pollTimer = 0;

initLanguageSwitch('console.title');
onLanguageChange(() => route());
window.addEventListener('hashchange', () => route());
document.getElementById('sign-out').addEventListener('click', () => {
  if (session?.credential === 'SignIn') {
    window.location.assign(signOutUrl());
    return;
  }

  forgetKey();
  session = null;
  signInError = null;
  window.location.hash = '#/orders';
  route();
});
start();

async function start() {
  await identify();
  route();
}

/**
 * Asks GET /api/operator who the calls are made as: a person signed in with Entra ID (the session cookie), the key,
 * or nobody; a 401 says where to sign in when App Service Authentication is on, a 403 that the person lacks the role.
 */
async function identify() {
  const result = await api('GET', '/api/operator', undefined, { headers: key ? { 'x-functions-key': key } : {}, credentials: 'same-origin' });
  unknown = null;
  forbidden = false;
  session = null;
  if (result.ok) {
    session = result.data;
    return;
  }

  if (result.status === 401) {
    entraSignIn = typeof result.problem?.signIn === 'string' && result.problem.signIn.startsWith('/.auth/') ? result.problem.signIn : null;
    if (key) {
      forgetKey();
      signInError = 'console.signIn.rejected';
    }
  } else if (result.status === 403) {
    forbidden = true;
  } else {
    unknown = result;
  }
}

/** App Service Authentication's sign-in, coming back to the view the operator asked for. */
function signInUrl() {
  return `${entraSignIn}?post_login_redirect_uri=${encodeURIComponent(window.location.pathname + window.location.hash)}`;
}

function signOutUrl() {
  return `/.auth/logout?post_logout_redirect_uri=${encodeURIComponent(window.location.pathname)}`;
}

// ---- The key ------------------------------------------------------------------------------------

/** A key given once in the address (#key=…) goes to sessionStorage and out of the address bar and history. */
function takeKeyFromFragment() {
  const fragment = window.location.hash.replace(/^#/, '');
  if (!fragment.startsWith('key=')) {
    return null;
  }

  const given = new URLSearchParams(fragment).get('key');
  window.history.replaceState(null, '', window.location.pathname + window.location.search + '#/orders');
  if (given && given.trim()) {
    storeKey(given.trim());
    return given.trim();
  }

  return null;
}

function readKey() {
  try {
    return sessionStorage.getItem(keyStorage);
  } catch {
    return null;
  }
}

function storeKey(value) {
  try {
    sessionStorage.setItem(keyStorage, value);
  } catch {
    // Storage disabled: the key lasts as long as the page.
  }
}

function forgetKey() {
  key = null;
  try {
    sessionStorage.removeItem(keyStorage);
  } catch {
    // Nothing stored.
  }
}

// ---- The API ------------------------------------------------------------------------------------

/**
 * Calls an operator route with the key in x-functions-key when there is one, and same-origin credentials, so an App
 * Service sign-in cookie goes along (the audit trail then names the person); resolves like api(). A 401 signs out:
 * the key was changed, or the sign-in session ended.
 */
async function call(method, path, body) {
  const result = await api(method, path, body, { headers: key ? { 'x-functions-key': key } : {}, credentials: 'same-origin' });
  if (result.status === 401) {
    session = null;
    entraSignIn = typeof result.problem?.signIn === 'string' && result.problem.signIn.startsWith('/.auth/') ? result.problem.signIn : entraSignIn;
    if (key) {
      forgetKey();
      signInError = 'console.signIn.rejected';
    }
  }

  return result;
}

// ---- Routing ------------------------------------------------------------------------------------

function parseRoute() {
  const fragment = window.location.hash.replace(/^#\/?/, '');
  const [path, query] = fragment.split('?');
  const parts = path.split('/').map(p => decodeURIComponent(p));
  return { name: parts[0] || 'orders', id: parts[1] || null, query: new URLSearchParams(query || '') };
}

function route() {
  generation++;
  window.clearTimeout(pollTimer);
  if (!session) {
    nav.hidden = true;
    if (unknown) {
      failure('signin', t('console.signIn.title'), unknown, () => start());
    } else if (forbidden) {
      render('forbidden', forbiddenSection());
    } else if (entraSignIn) {
      render('signin', entraSignInSection());
    } else {
      render('signin', signInSection());
    }

    return;
  }

  nav.hidden = false;
  const current = parseRoute();
  for (const link of nav.querySelectorAll('[data-nav]')) {
    const active = link.dataset.nav === (['directory', 'organization'].includes(current.name) ? 'directory' : 'orders');
    if (active) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }

  // A person is named; the key is not a name worth showing.
  document.getElementById('signed-in-as').textContent = session.credential === 'SignIn' ? t('console.signedInAs', { name: session.name }) : '';
  switch (current.name) {
    case 'order':
      return orderPage(current.id);
    case 'directory':
      return directoryPage(current.query);
    case 'organization':
      return organizationPage(current.id);
    case 'search':
      return searchPage(current.query.get('q') || '');
    case 'expiring':
      return expiringPage();
    default:
      return ordersPage(current.query.get('stage'), pageSizeOf(current.query));
  }
}

/** ?pageSize= in the fragment (1 to 100), for a longer or shorter list; 25 otherwise. */
function pageSizeOf(query) {
  const size = Number.parseInt(query.get('pageSize') || '', 10);
  return size >= 1 && size <= 100 ? size : defaultPageSize;
}

/** Shows a view; focus moves to its heading (and it is announced) when the view, or its address, is another one. */
function render(name, ...nodes) {
  display.show(`${name}:${window.location.hash}`, nodes);
}

function panel(state, title, ...content) {
  return h('section', { class: 'panel', 'data-state': state, 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title' }, title), content);
}

// Its own screen name, so focus moves to the heading of what replaces it.
function loading(state, title) {
  render('loading', panel('loading', title, progress(t('common.loading'))));
}

/** The screen for a failed call: signed out (401), not found, unreachable, or the server's problem. */
function failure(state, title, result, retry) {
  if (result.status === 401 || result.status === 403) {
    forbidden = result.status === 403;
    session = null;
    route();
    return;
  }

  const text = result.offline ? t('console.error.network') : result.status === 404 ? t('console.error.notFound') : t('console.error.server');
  render(state, h('section', { class: ['panel', 'panel--error'], 'data-state': `${state}-error`, 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', title),
    h('p', { role: 'alert' }, text),
    result.problem?.detail ? h('p', { class: 'muted', lang: 'en' }, t('error.serverSays', { detail: result.problem.detail })) : null,
    h('p', { class: 'actions' }, button(t('common.retry'), retry, 'primary'))));
}

function link(href, text, extra) {
  return h('a', { href, ...extra }, text);
}

function orderHref(orderId) {
  return `#/order/${encodeURIComponent(orderId)}`;
}

function organizationHref(organizationId) {
  return `#/organization/${encodeURIComponent(organizationId)}`;
}

function stageBadge(stage) {
  return h('span', { class: ['badge', 'badge--stage', `badge--${stages[stage]?.final ? stage : 'waiting'}`], 'data-stage': stage }, t(`console.stage.${stage}`));
}

function table(className, headings, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: ['console-table', className] },
    h('thead', null, h('tr', null, headings.map(text => h('th', { scope: 'col' }, text)))),
    h('tbody', null, rows.map(cells => h('tr', null, cells.map((cell, i) => h('td', { 'data-label': headings[i] }, cell)))))));
}

// ---- Sign-in ------------------------------------------------------------------------------------

function signInSection() {
  const input = h('input', {
    id: 'operator-key', name: 'operator-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true,
    'aria-describedby': signInError ? 'operator-key-hint operator-key-error' : 'operator-key-hint', 'aria-invalid': signInError ? 'true' : null,
  });
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: ['field', signInError && 'field--invalid'] },
      h('label', { for: 'operator-key' }, t('console.signIn.key')),
      h('p', { id: 'operator-key-hint', class: 'hint' }, t('console.signIn.hint')),
      signInError ? h('p', { id: 'operator-key-error', class: 'field__error', role: 'alert' }, t(signInError)) : null,
      input),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: ['button', 'button--primary'] }, t('console.signIn.submit'))));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) {
      signInError = 'console.signIn.missing';
      route();
      document.getElementById('operator-key')?.focus();
      return;
    }

    key = value;
    const result = await api('GET', '/api/operator', undefined, { headers: { 'x-functions-key': value }, credentials: 'same-origin' });
    if (result.ok) {
      storeKey(value);
      session = result.data;
      signInError = null;
      route();
      return;
    }

    key = null;
    signInError = result.offline ? 'console.error.network' : result.status === 401 ? 'console.signIn.rejected' : 'console.error.server';
    route();
    document.getElementById('operator-key')?.focus();
  });
  return panel('signin', t('console.signIn.title'),
    h('p', null, t('console.signIn.intro')),
    form);
}

/** Behind App Service Authentication: a link to sign in with Entra ID, never a key field. */
function entraSignInSection() {
  return panel('signin', t('console.signIn.title'),
    h('p', null, t('console.signIn.entraIntro')),
    h('p', { class: 'actions' }, h('a', { href: signInUrl(), class: ['button', 'button--primary'], 'data-sign-in': 'entra' }, t('console.signIn.entra'))));
}

/** Signed in with Entra ID, without the operator role: say so, and offer another account. */
function forbiddenSection() {
  return panel('forbidden', t('console.forbidden.title'),
    h('p', { role: 'alert' }, t('console.forbidden.text')),
    h('p', { class: 'actions' }, h('a', { href: signOutUrl(), class: 'button' }, t('console.signOut'))));
}

// ---- Orders -------------------------------------------------------------------------------------

async function ordersPage(stage, pageSize) {
  const mine = generation;
  const selected = Object.hasOwn(stages, stage) ? stage : null;
  const title = t('console.orders.title');
  loading('orders', title);
  const [counts, first] = await Promise.all([
    call('GET', '/api/order-counts'),
    call('GET', `/api/orders?pageSize=${pageSize}${selected ? `&stage=${selected}` : ''}`),
  ]);
  if (mine !== generation) {
    return;
  }

  if (!counts.ok || !first.ok) {
    failure('orders', title, counts.ok ? first : counts, () => route());
    return;
  }

  const list = orderList(first.data, token => call('GET', `/api/orders?pageSize=${pageSize}${selected ? `&stage=${selected}` : ''}&continuationToken=${encodeURIComponent(token)}`),
    mine, next => failure('orders', title, next, () => route()));
  const total = counts.data.stages.reduce((sum, s) => sum + s.count, 0);
  // At phone width the list comes first (CSS order on .orders-overview), the tiles after it.
  render('orders', panel('orders', title,
    searchOrderForm(),
    h('p', { class: 'quick-links' }, link('#/expiring', t('console.orders.expiring'), { 'data-link': 'expiring' })),
    h('div', { class: 'orders-overview' },
      h('div', { class: 'orders-overview__counts' },
        h('h2', { id: 'counts-title' }, t('console.orders.byStage')),
        h('ul', { class: 'stage-counts', 'aria-labelledby': 'counts-title' },
          h('li', null, stageLink(null, t('console.orders.all'), total, false, !selected)),
          counts.data.stages.map(s => h('li', null, stageLink(s.stage, t(`console.stage.${s.stage}`), s.count, s.capped, s.stage === selected))))),
      h('div', { class: 'orders-overview__list' },
        h('h2', { id: 'list-title' }, selected ? t('console.orders.listOf', { stage: t(`console.stage.${selected}`) }) : t('console.orders.listAll')),
        first.data.items.length ? list : h('p', { class: 'muted', 'data-empty': 'orders' }, t('console.orders.empty'))))));
}

/**
 * An order list (order, stage, contact, subscription, organization, deadline) with "Show more" while the API hands
 * out a continuation token; nextPage(token) fetches the next page.
 */
function orderList(firstPage, nextPage, mine, onFailure) {
  const headings = [t('common.order'), t('common.stage'), t('console.orders.contact'), t('common.subscription'), t('console.order.organization'), t('console.orders.deadline')];
  const rows = h('tbody');
  const more = h('p', { class: 'actions' });
  function addPage(page) {
    for (const item of page.items) {
      const organizationId = item.organizationId || item.chosenOrganizationId;
      rows.append(h('tr', { 'data-order': item.orderId, 'data-created': item.createdAt, 'data-expires': item.expiresAt || null }, [
        link(orderHref(item.orderId), item.orderId, { class: 'order-id' }),
        stageBadge(item.stage),
        item.provisioningContactEmail ? h('span', { class: 'email' }, item.provisioningContactEmail) : '—',
        item.subscriptionId ? h('span', { class: 'order-id' }, item.subscriptionId) : '—',
        organizationId || item.companyName
          ? h('span', null,
            organizationId ? link(organizationHref(organizationId), organizationId, { class: 'order-id' }) : null,
            item.companyName ? h('span', { class: 'matched' }, t('console.orders.typed', { name: item.companyName })) : null)
          : '—',
        item.expiresAt && !stages[item.stage]?.final ? timeElement(item.expiresAt) : '—',
      ].map((cell, i) => h('td', { 'data-label': headings[i] }, cell))));
    }

    more.replaceChildren();
    if (page.continuationToken) {
      more.append(button(t('console.orders.more'), async event => {
        event.currentTarget.disabled = true;
        const next = await nextPage(page.continuationToken);
        if (mine !== generation) {
          return;
        }

        if (next.ok) {
          addPage(next.data);
          announce(t('console.orders.moreShown', { count: next.data.items.length }));
        } else {
          onFailure(next);
        }
      }));
    }
  }

  addPage(firstPage);
  return h('div', null, h('div', { class: 'table-wrap' }, h('table', { class: ['console-table', 'order-list'] },
    h('thead', null, h('tr', null, headings.map(text => h('th', { scope: 'col' }, text)))), rows)), more);
}

/**
 * One box for what people know: an address searches by contact; anything else is tried as an order id (opened when
 * it exists), a subscription id, the beginning of a typed company name and of an organization's name, in parallel.
 */
async function searchPage(q) {
  const mine = generation;
  const title = t('console.search.title');
  const text = q.trim();
  if (!text) {
    window.location.hash = '#/orders';
    return;
  }

  loading('search', title);
  const e = encodeURIComponent(text);
  const page = `pageSize=${defaultPageSize}`;
  const searches = text.includes('@')
    ? [['contact', call('GET', `/api/orders?contact=${e}&${page}`)]]
    : [
      ['order', call('GET', `/api/orders/${e}`)],
      ['subscription', call('GET', `/api/orders?subscriptionId=${e}&${page}`)],
      ['company', call('GET', `/api/orders?company=${e}&${page}`)],
      ['organization', call('GET', `/api/organizations?name=${e}&${page}`)],
    ];
  const results = await Promise.all(searches.map(([, promise]) => promise));
  if (mine !== generation) {
    return;
  }

  const found = Object.fromEntries(searches.map(([kind], i) => [kind, results[i]]));
  if (found.order?.ok) {
    // An exact order id: open it (the search stays in the history behind it).
    window.location.replace(orderHref(found.order.data.orderId || text));
    return;
  }

  const broken = results.find(r => r.status === 401 || r.offline || r.status >= 500);
  if (broken) {
    failure('search', title, broken, () => route());
    return;
  }

  const groups = [];
  for (const kind of ['contact', 'subscription', 'company']) {
    const result = found[kind];
    if (result?.ok && result.data.items.length) {
      const param = { contact: 'contact', subscription: 'subscriptionId', company: 'company' }[kind];
      groups.push(h('section', { class: 'search-group', 'data-results': kind, 'aria-labelledby': `results-${kind}` },
        h('h2', { id: `results-${kind}` }, t(`console.search.${kind}`)),
        orderList(result.data, token => call('GET', `/api/orders?${param}=${e}&${page}&continuationToken=${encodeURIComponent(token)}`), mine, next => failure('search', title, next, () => route()))));
    }
  }

  const organizations = found.organization;
  if (organizations?.ok && organizations.data.items.length) {
    const headings = [t('console.org.name'), t('console.org.id'), t('console.org.type'), t('console.org.active')];
    groups.push(h('section', { class: 'search-group', 'data-results': 'organization', 'aria-labelledby': 'results-organization' },
      h('h2', { id: 'results-organization' }, t('console.search.organization')),
      table('organization-results', headings, organizations.data.items.map(o => [
        link(organizationHref(o.organizationId), o.name),
        h('span', { class: 'order-id' }, o.organizationId),
        t(`type.${o.type}`),
        formatNumber(o.activeSubscriptions),
      ]))));
  }

  render('search', panel('search', title,
    searchOrderForm(text),
    h('p', { class: 'muted' }, t(text.includes('@') ? 'console.search.asContact' : 'console.search.asAnything', { q: text })),
    groups.length ? groups : h('p', { class: 'muted', 'data-empty': 'search' }, t('console.search.none', { q: text }))));
}

/** The open orders whose deadline is within the next 48 hours, soonest first. */
async function expiringPage() {
  const mine = generation;
  const title = t('console.expiring.title');
  loading('expiring', title);
  const before = new Date(Date.now() + 48 * 3600 * 1000).toISOString();
  const query = `expiringBefore=${encodeURIComponent(before)}&pageSize=${defaultPageSize}`;
  const first = await call('GET', `/api/orders?${query}`);
  if (mine !== generation) {
    return;
  }

  if (!first.ok) {
    failure('expiring', title, first, () => route());
    return;
  }

  render('expiring', panel('expiring', title,
    h('p', { class: 'back' }, link('#/orders', t('console.order.back'))),
    h('p', null, t('console.expiring.intro', { when: formatDateTime(before) })),
    first.data.items.length
      ? orderList(first.data, token => call('GET', `/api/orders?${query}&continuationToken=${encodeURIComponent(token)}`), mine, next => failure('expiring', title, next, () => route()))
      : h('p', { class: 'muted', 'data-empty': 'expiring' }, t('console.expiring.empty'))));
}

function stageLink(stage, label, count, capped, current) {
  return h('a', { class: ['stage-count', current && 'stage-count--current'], href: stage ? `#/orders?stage=${stage}` : '#/orders', 'data-stage-count': stage || 'all', 'aria-current': current ? 'true' : null },
    h('span', { class: 'stage-count__label' }, label),
    h('span', { class: 'stage-count__number' }, capped ? t('console.orders.capped', { count: formatNumber(count) }) : formatNumber(count)));
}

function searchOrderForm(value) {
  const input = h('input', {
    id: 'order-search', name: 'order-search', type: 'search', autocomplete: 'off', spellcheck: 'false', required: true, maxlength: limits.email,
    'aria-describedby': 'order-search-hint',
  });
  input.value = value || '';
  const form = h('form', { class: ['form', 'search-form'], role: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'order-search' }, t('console.orders.search')),
      h('p', { id: 'order-search-hint', class: 'hint' }, t('console.orders.searchHint')), input),
    h('button', { type: 'submit', class: ['button', 'button--primary'] }, t('console.orders.find')));
  form.addEventListener('submit', event => {
    event.preventDefault();
    if (input.value.trim()) {
      window.location.hash = `#/search?q=${encodeURIComponent(input.value.trim())}`;
    }
  });
  return form;
}

// ---- One order ----------------------------------------------------------------------------------

// What the operator typed in the action forms survives the page refreshing itself.
const drafts = { contact: '', reason: '' };
let actionNote = null;

async function orderPage(orderId) {
  const mine = generation;
  const title = t('console.order.title', { id: orderId || '' });
  drafts.contact = '';
  drafts.reason = '';
  loading('order', title);
  let lastJson = null;
  let actionsKey = null;
  const live = h('div', { id: 'order-live' });
  const actions = h('div', { id: 'order-actions' });

  async function refresh() {
    const result = await call('GET', `/api/orders/${encodeURIComponent(orderId)}`);
    if (mine !== generation) {
      return;
    }

    if (!result.ok) {
      if (result.offline && lastJson) {
        // Keep what is shown and look again later.
        pollTimer = window.setTimeout(refresh, orderPollMs * 2);
        return;
      }

      failure('order', title, result, () => route());
      return;
    }

    const order = result.data;
    const json = JSON.stringify(order);
    if (json !== lastJson) {
      const first = lastJson === null;
      lastJson = json;
      live.replaceChildren(...orderDetails(order));
      const nextActionsKey = JSON.stringify([order.stage, order.actions, actionNote]);
      if (nextActionsKey !== actionsKey && !view.querySelector('dialog[open]')) {
        actionsKey = nextActionsKey;
        actions.replaceChildren(actionsSection(order, () => { actionsKey = null; lastJson = null; window.clearTimeout(pollTimer); refresh(); }));
      }

      if (first) {
        render('order', h('section', { class: 'panel', 'data-state': 'order', 'data-stage': order.stage, 'aria-labelledby': 'view-title' },
          h('p', { class: 'back' }, link('#/orders', t('console.order.back'))),
          // The id is one unit: "ord-3003" never wraps at its hyphen.
          h('h1', { id: 'view-title' }, tNodes('console.order.title', { id: h('span', { class: 'order-id' }, orderId || '') })),
          live, actions));
      } else {
        view.querySelector('[data-state=order]')?.setAttribute('data-stage', order.stage);
      }
    }

    // Live enough: while the order waits for someone, look again without reloading the page.
    if (!stages[order.stage]?.final) {
      pollTimer = window.setTimeout(refresh, orderPollMs);
    }
  }

  actionNote = null;
  await refresh();
}

function orderDetails(order) {
  const organizationId = order.organizationId || order.chosenOrganizationId;
  const nodes = [
    h('p', { class: 'order-stage' }, stageBadge(order.stage), order.outcome ? h('span', { class: 'order-outcome' }, ' ', t(`console.outcome.${order.outcome}`)) : null),
    facts([
      [t('common.subscription'), order.subscriptionId ?? null],
      [t('common.scenario'), order.scenario ? t(`scenario.${order.scenario}`) : null],
      [t('console.order.contact'), order.provisioningContactEmail ?? null],
      [t('console.order.deadline'), order.expiresAt ? timeElement(order.expiresAt) : null],
      [t('console.order.organization'), organizationId ? link(organizationHref(organizationId), order.organization?.name ? `${order.organization.name} (${organizationId})` : organizationId) : null],
      [t('console.created'), timeElement(order.createdAt)],
      [t('console.updated'), timeElement(order.updatedAt)],
      [t('console.order.invitations'), order.invitationGeneration ? formatNumber(order.invitationGeneration) : null],
      [t('console.order.runtime'), order.runtimeStatus],
    ], 'order-facts'),
  ];

  nodes.push(h('h2', null, t('console.order.submission')));
  nodes.push(order.submission
    ? facts([
      [t('common.companyName'), order.submission.companyName],
      [t('common.adminEmail'), order.submission.adminEmail],
      [t('console.order.codeSentTo'), order.verification ? order.verification.sentTo : null],
      [t('console.order.codeUntil'), order.verification && !order.verification.expired ? timeElement(order.verification.expiresAt) : null],
    ])
    : h('p', { class: 'muted' }, t('console.order.noSubmission')));

  if (order.candidates) {
    nodes.push(h('h2', null, t('console.order.candidates')));
    nodes.push(order.candidates.length
      ? table('candidates-shown', [t('console.org.name'), t('console.org.type'), t('console.org.created'), t('console.org.active'), t('console.org.users'), t('console.org.assessment')],
        order.candidates.map(c => [
          h('span', null, link(organizationHref(c.organizationId), c.name), h('span', { class: 'matched' }, c.matchedBy.map(m => t(`match.${m}`)).join(' · '))),
          t(`type.${c.type}`),
          timeElement(c.createdAt, true),
          formatNumber(c.activeSubscriptions),
          formatNumber(c.users),
          h('span', { class: ['badge', `badge--${c.assessment}`] }, t(`assessment.${c.assessment}`)),
        ]))
      : h('p', { class: 'muted' }, t('console.order.noCandidates')));
  }

  if (order.notice) {
    nodes.push(h('p', { class: 'muted', lang: 'en' }, order.notice));
  }

  if (order.approval) {
    const a = order.approval;
    nodes.push(h('h2', null, t('console.order.approval')));
    nodes.push(facts([
      [t('console.order.organization'), link(organizationHref(a.organizationId), a.organizationName)],
      [t('console.order.newAdmin'), a.requestedAdminEmail],
      [t('console.order.approvers'), h('ul', { class: 'admins' }, a.approvers.map(email => h('li', null, email)))],
      [t('console.order.requestedBy'), a.requestedBy],
      [t('console.order.approvalUntil'), timeElement(a.expiresAt)],
      [t('console.order.decision'), a.decision ? t(`console.decision.${a.decision}`) : t('console.decision.pending')],
      [t('console.order.decidedBy'), a.decidedBy ?? null],
      [t('console.order.comment'), a.comment ?? null],
    ]));
  }

  nodes.push(h('h2', { id: 'timeline-title' }, t('console.order.timeline')));
  nodes.push(h('ol', { class: 'timeline', 'aria-labelledby': 'timeline-title' }, order.audit.map(entry => h('li', { class: 'timeline__entry', 'data-action': entry.action },
    h('p', { class: 'timeline__head' }, timeElement(entry.at), ' · ', h('span', { class: 'timeline__actor' }, entry.actor)),
    h('p', { class: 'timeline__action' }, strong(t(`console.audit.${entry.action}`) === `console.audit.${entry.action}` ? entry.action : t(`console.audit.${entry.action}`))),
    entry.detail ? h('p', { class: 'timeline__detail', lang: 'en' }, detailNodes(entry.detail)) : null))));
  return nodes;
}

// An ISO 8601 time inside a detail: a date, T, hours and minutes, optional seconds and fraction, optional Z or offset.
const isoTime = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g;

/**
 * A detail is the server's English free text (so it keeps lang="en"); the times in it are shown for the reader, in
 * the page language, as <time> elements.
 */
function detailNodes(detail) {
  const nodes = [];
  let last = 0;
  for (const match of detail.matchAll(isoTime)) {
    nodes.push(detail.slice(last, match.index));
    const at = new Date(match[0]);
    nodes.push(Number.isNaN(at.getTime()) ? match[0] : h('time', { datetime: match[0], lang: currentLanguage() }, formatDateTime(match[0])));
    last = match.index + match[0].length;
  }

  nodes.push(detail.slice(last));
  return nodes;
}

function actionsSection(order, reload) {
  const can = order.actions || { resendInvitation: false, cancel: false };
  const contact = h('input', { id: 'new-contact', name: 'new-contact', type: 'email', autocomplete: 'off', maxlength: limits.email, disabled: !can.resendInvitation, 'aria-describedby': 'resend-help' });
  contact.value = drafts.contact;
  contact.addEventListener('input', () => { drafts.contact = contact.value; });
  const reason = h('textarea', { id: 'cancel-reason', name: 'cancel-reason', rows: '2', maxlength: limits.cancelReason, disabled: !can.cancel, 'aria-describedby': 'cancel-help' });
  reason.value = drafts.reason;
  reason.addEventListener('input', () => { drafts.reason = reason.value; });

  const resendForm = h('form', { class: ['form', 'action-form'], 'data-action': 'resend', novalidate: true },
    h('h3', null, t('console.resend.title')),
    h('p', { id: 'resend-help', class: 'hint' }, can.resendInvitation ? t('console.resend.help') : t('console.resend.disabled', { stage: t(`console.stage.${order.stage}`) })),
    h('div', { class: 'field' }, h('label', { for: 'new-contact' }, t('console.resend.contact')), contact),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button', disabled: !can.resendInvitation }, t('console.resend.submit'))));
  resendForm.addEventListener('submit', event => {
    event.preventDefault();
    const to = contact.value.trim();
    confirmAction(
      t('console.resend.confirmTitle'),
      to ? t('console.resend.confirmTo', { email: to }) : t('console.resend.confirmSame', { email: order.provisioningContactEmail || '' }),
      t('console.resend.confirm'),
      async () => {
        const result = await call('POST', `/api/orders/${encodeURIComponent(order.orderId)}/invitation`, to ? { provisioningContactEmail: to } : {});
        settleAction(result, 'console.resend.done', reload, () => { drafts.contact = ''; });
      });
  });

  const cancelForm = h('form', { class: ['form', 'action-form'], 'data-action': 'cancel', novalidate: true },
    h('h3', null, t('console.cancel.title')),
    h('p', { id: 'cancel-help', class: 'hint' }, can.cancel ? t('console.cancel.help') : t('console.cancel.disabled', { stage: t(`console.stage.${order.stage}`) })),
    h('div', { class: 'field' }, h('label', { for: 'cancel-reason' }, t('console.cancel.reason')), reason),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: ['button', 'button--danger'], disabled: !can.cancel }, t('console.cancel.submit'))));
  cancelForm.addEventListener('submit', event => {
    event.preventDefault();
    const why = reason.value.trim();
    if (!why) {
      actionNote = { kind: 'error', text: t('console.cancel.missing') };
      reload();
      return;
    }

    confirmAction(t('console.cancel.confirmTitle'), t('console.cancel.confirmText', { id: order.orderId, reason: why }), t('console.cancel.confirm'), async () => {
      const result = await call('POST', `/api/orders/${encodeURIComponent(order.orderId)}/cancel`, { reason: why });
      settleAction(result, 'console.cancel.done', reload, () => { drafts.reason = ''; });
    }, 'danger');
  });

  const waitForms = waitsForms(order, can, reload);
  const reopen = can.reopen ? [reopenForm(order, reload)] : [];
  return h('section', { class: 'order-actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, t('console.order.actions')),
    actionNote ? h('div', { class: ['banner', actionNote.kind === 'done' ? 'banner--info' : 'banner--error'], role: actionNote.kind === 'done' ? 'status' : 'alert', 'data-note': actionNote.kind },
      h('p', null, actionNote.text), actionNote.detail ? h('p', { class: 'muted', lang: 'en' }, t('error.serverSays', { detail: actionNote.detail })) : null) : null,
    h('div', { class: 'action-forms' }, ...reopen, resendForm, cancelForm, ...waitForms));
}

// An order that ended Expired, Rejected or Failed runs again: a new invitation, maybe to someone else.
function reopenForm(order, reload) {
  const contact = h('input', { id: 'reopen-contact', name: 'reopen-contact', type: 'email', autocomplete: 'off', maxlength: limits.email, 'aria-describedby': 'reopen-help' });
  const form = h('form', { class: ['form', 'action-form'], 'data-action': 'reopen', novalidate: true },
    h('h3', null, t('console.reopen.title')),
    h('p', { id: 'reopen-help', class: 'hint' }, t('console.reopen.help', { stage: t(`console.stage.${order.stage}`) })),
    h('div', { class: 'field' }, h('label', { for: 'reopen-contact' }, t('console.resend.contact')), contact),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: ['button', 'button--primary'] }, t('console.reopen.submit'))));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const to = contact.value.trim();
    confirmAction(
      t('console.reopen.confirmTitle'),
      t('console.reopen.confirmText', { email: to || order.provisioningContactEmail || '' }),
      t('console.reopen.confirm'),
      async () => {
        const result = await call('POST', `/api/orders/${encodeURIComponent(order.orderId)}/reopen`, to ? { provisioningContactEmail: to } : {});
        settleAction(result, 'console.reopen.done', reload, () => {});
      });
  });
  return form;
}

// What the order waits for: a new deadline (a local date and time, sent as UTC), and a reminder to pending approvers.
function waitsForms(order, can, reload) {
  const id = encodeURIComponent(order.orderId);
  const input = h('input', { id: 'new-deadline', name: 'new-deadline', type: 'datetime-local', disabled: !can.moveDeadline, 'aria-describedby': 'deadline-help' });
  if (order.expiresAt) {
    const at = new Date(order.expiresAt);
    input.value = new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  const deadlineForm = h('form', { class: ['form', 'action-form'], 'data-action': 'deadline', novalidate: true },
    h('h3', null, t('console.deadline.title')),
    h('p', { id: 'deadline-help', class: 'hint' }, can.moveDeadline ? t('console.deadline.help') : t('console.deadline.disabled', { stage: t(`console.stage.${order.stage}`) })),
    h('div', { class: 'field' }, h('label', { for: 'new-deadline' }, t('console.deadline.when')), input),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button', disabled: !can.moveDeadline }, t('console.deadline.submit'))));
  deadlineForm.addEventListener('submit', event => {
    event.preventDefault();
    const when = input.value ? new Date(input.value) : null;
    if (!when || Number.isNaN(when.getTime())) {
      actionNote = { kind: 'error', text: t('console.deadline.missing') };
      reload();
      return;
    }

    confirmAction(t('console.deadline.confirmTitle'), t('console.deadline.confirmText', { when: formatDateTime(when.toISOString()) }), t('console.deadline.confirm'), async () => {
      const result = await call('POST', `/api/orders/${id}/deadline`, { expiresAt: when.toISOString() });
      settleAction(result, 'console.deadline.done', reload, () => {});
    });
  });

  if (!can.remindApprovers) {
    return [deadlineForm];
  }

  const remindForm = h('form', { class: ['form', 'action-form'], 'data-action': 'remind', novalidate: true },
    h('h3', null, t('console.remind.title')),
    h('p', { class: 'hint' }, t('console.remind.help', { count: String(order.approval?.approvers?.length ?? 0) })),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('console.remind.submit'))));
  remindForm.addEventListener('submit', event => {
    event.preventDefault();
    confirmAction(t('console.remind.confirmTitle'), t('console.remind.confirmText', { approvers: (order.approval?.approvers || []).join(', ') }), t('console.remind.confirm'), async () => {
      const result = await call('POST', `/api/orders/${id}/approval/reminder`);
      settleAction(result, 'console.remind.done', reload, () => {});
    });
  });
  return [deadlineForm, remindForm];
}

function settleAction(result, doneKey, reload, onDone) {
  if (result.status === 401) {
    route();
    return;
  }

  if (result.ok) {
    onDone();
    actionNote = { kind: 'done', text: t(doneKey) };
  } else {
    const detail = result.problem ? Object.values(result.problem.errors || {}).flat().join(' ') || result.problem.detail : null;
    actionNote = { kind: 'error', text: result.offline ? t('console.error.network') : result.status === 409 ? t('console.action.conflict') : t('console.action.failed'), detail };
  }

  reload();
}

/** A modal confirmation; "Go back" has focus, Escape goes back. */
function confirmAction(title, text, confirmLabel, onConfirm, variant) {
  const back = button(t('common.cancel'), () => dialog.close(), null, { autofocus: true });
  const yes = button(confirmLabel, async () => {
    yes.disabled = true;
    back.disabled = true;
    await onConfirm();
    dialog.close();
  }, variant || 'primary');
  const dialog = openDialog(view, document.activeElement, { 'aria-labelledby': 'confirm-title', 'data-dialog': 'confirm' },
    h('h2', { id: 'confirm-title' }, title),
    h('p', null, text),
    h('p', { class: 'actions' }, yes, back));
}

// ---- Directory ----------------------------------------------------------------------------------

async function directoryPage(query) {
  const mine = generation;
  const title = t('console.directory.title');
  const by = ['email', 'domain', 'id'].find(k => query.get(k)) || null;
  const value = by ? query.get(by) : '';
  const form = directoryForm(by || 'email', value);
  if (!by) {
    render('directory', panel('directory', title, h('p', null, t('console.directory.intro')), form));
    return;
  }

  loading('directory', title);
  const first = await call('GET', `/api/organizations?${by}=${encodeURIComponent(value)}&pageSize=${defaultPageSize}`);
  if (mine !== generation) {
    return;
  }

  if (first.status === 400) {
    const detail = Object.values(first.problem.errors || {}).flat().join(' ') || first.problem.detail;
    render('directory', panel('directory', title, directoryForm(by, value, detail)));
    return;
  }

  if (!first.ok) {
    failure('directory', title, first, () => route());
    return;
  }

  const headings = [t('console.org.name'), t('console.org.type'), t('console.org.created'), t('console.org.active'), t('console.org.users'), t('console.org.admins'), t('console.org.assessment')];
  const rows = h('tbody');
  const more = h('p', { class: 'actions' });
  function addPage(page) {
    for (const e of page.items) {
      rows.append(h('tr', { 'data-organization': e.organizationId }, [
        h('span', null, link(organizationHref(e.organizationId), e.name), h('span', { class: 'matched' }, e.organizationId),
          e.isFullAdmin === true ? h('span', { class: 'matched' }, t('console.directory.isFullAdmin')) : null),
        t(`type.${e.type}`),
        timeElement(e.createdAt, true),
        formatNumber(e.activeSubscriptions),
        formatNumber(e.users),
        h('ul', { class: 'admins' }, e.fullAdmins.map(a => h('li', null, a.name ? h('span', { class: 'admin-name' }, a.name) : null, h('span', { class: 'admin-email' }, a.email)))),
        e.assessment ? h('span', { class: ['badge', `badge--${e.assessment}`] }, t(`assessment.${e.assessment}`)) : '—',
      ].map((cell, i) => h('td', { 'data-label': headings[i] }, cell))));
    }

    more.replaceChildren();
    if (page.continuationToken) {
      more.append(button(t('console.orders.more'), async () => {
        const next = await call('GET', `/api/organizations?${by}=${encodeURIComponent(value)}&pageSize=${defaultPageSize}&continuationToken=${encodeURIComponent(page.continuationToken)}`);
        if (mine === generation && next.ok) {
          addPage(next.data);
        }
      }));
    }
  }

  addPage(first.data);
  render('directory', panel('directory', title, form,
    h('h2', { id: 'results-title' }, t(`console.directory.results.${by}`, { value })),
    first.data.items.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: ['console-table', 'directory-results'], 'aria-labelledby': 'results-title' },
        h('thead', null, h('tr', null, headings.map(text => h('th', { scope: 'col' }, text)))), rows))
      : h('p', { class: 'muted', 'data-empty': 'directory' }, t('console.directory.none')),
    more));
}

function directoryForm(by, value, error) {
  const select = h('select', { id: 'directory-by', name: 'directory-by' },
    ['email', 'domain', 'id'].map(k => h('option', { value: k, selected: k === by }, t(`console.directory.by.${k}`))));
  const input = h('input', {
    id: 'directory-query', name: 'directory-query', type: 'search', autocomplete: 'off', spellcheck: 'false', required: true,
    'aria-invalid': error ? 'true' : null, 'aria-describedby': error ? 'directory-error' : null,
  });
  input.value = value || '';
  const form = h('form', { class: ['form', 'search-form'], role: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'directory-by' }, t('console.directory.by')), select),
    h('div', { class: ['field', error && 'field--invalid'] }, h('label', { for: 'directory-query' }, t('console.directory.query')),
      error ? h('p', { id: 'directory-error', class: 'field__error', role: 'alert', lang: 'en' }, error) : null, input),
    h('button', { type: 'submit', class: ['button', 'button--primary'] }, t('console.directory.search')));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) {
      window.location.hash = select.value === 'id' ? organizationHref(text) : `#/directory?${select.value}=${encodeURIComponent(text)}`;
    }
  });
  return form;
}

// ---- One organization ---------------------------------------------------------------------------

async function organizationPage(organizationId) {
  const mine = generation;
  const title = t('console.org.title');
  loading('organization', title);
  const id = encodeURIComponent(organizationId || '');
  const [stored, summary, orders] = await Promise.all([
    call('GET', `/api/organizations/${id}`),
    call('GET', `/api/organizations?id=${id}`),
    call('GET', `/api/organizations/${id}/orders?pageSize=${defaultPageSize}`),
  ]);
  if (mine !== generation) {
    return;
  }

  if (!stored.ok) {
    failure('organization', title, stored, () => route());
    return;
  }

  const org = stored.data;
  const entry = summary.ok ? summary.data.items[0] : null;
  const copyStatus = h('span', { class: 'copy-status', role: 'status' });
  const copy = button(t('console.org.copy'), async () => {
    // The organization exactly as GET gave it: the seed-file shape that PUT /api/organizations/{id} takes.
    const json = JSON.stringify(org, null, 2);
    try {
      await navigator.clipboard.writeText(json);
      copyStatus.textContent = t('console.org.copied', { id: organizationId });
    } catch {
      copyStatus.textContent = t('console.org.copyFailed');
    }
  });

  const userHeadings = [t('console.org.email'), t('console.org.userName'), t('console.org.roles')];
  render('organization', h('section', { class: 'panel', 'data-state': 'organization', 'aria-labelledby': 'view-title' },
    h('p', { class: 'back' }, link('#/directory', t('console.org.back'))),
    h('h1', { id: 'view-title' }, org.name),
    facts([
      [t('console.org.id'), org.id],
      [t('console.org.type'), t(`type.${org.type}`)],
      [t('console.org.created'), timeElement(org.createdAt, true)],
      [t('console.org.active'), entry ? formatNumber(entry.activeSubscriptions) : null],
      [t('console.org.users'), formatNumber(org.users.length)],
      [t('console.org.assessment'), entry?.assessment
        ? h('span', null, h('span', { class: ['badge', `badge--${entry.assessment}`] }, t(`assessment.${entry.assessment}`)),
          h('span', { class: 'reasons' }, (entry.reasons || []).map(r => t(`reason.${r}`)).join(' · ')))
        : null],
    ]),
    h('p', { class: 'actions' }, copy, copyStatus),
    h('p', { class: 'hint' }, t('console.org.readOnly', { id: organizationId })),
    h('h2', null, t('console.org.admins')),
    h('ul', { class: 'admins' }, org.users.filter(u => (u.roles || []).includes('FullAdmin')).map(u => h('li', null, u.name ? `${u.name} · ` : '', u.email))),
    h('h2', null, t('console.org.usersTitle')),
    table('org-users', userHeadings, org.users.map(u => [u.email, u.name || '—', (u.roles || []).join(', ') || '—'])),
    h('h2', null, t('console.org.subscriptions')),
    (org.subscriptions || []).length
      ? table('org-subscriptions', [t('console.org.subscription'), t('console.org.status')], org.subscriptions.map(s => [s.id, s.status]))
      : h('p', { class: 'muted' }, t('console.org.noSubscriptions')),
    h('h2', null, t('console.org.orders')),
    orders.ok && orders.data.items.length
      ? table('org-orders', [t('common.order'), t('common.stage'), t('console.created')], orders.data.items.map(o => [link(orderHref(o.orderId), o.orderId), stageBadge(o.stage), timeElement(o.createdAt)]))
      : h('p', { class: 'muted', 'data-empty': 'org-orders' }, orders.ok ? t('console.org.noOrders') : t('console.error.server'))));
}
