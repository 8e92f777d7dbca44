// The approval page: the existing full administrator sees who asks to add which administrator to
// their organization, and approves or rejects. The token comes from the fragment (#t=…).

import {
  announce, api, button, errorKind, errorSection, facts, h, initLanguageSwitch,
  onLanguageChange, progress, show, strong, t, tNodes, timeElement, tokenFromFragment,
} from './common.js';

const view = document.getElementById('view');
const token = tokenFromFragment();
const apiPath = token ? `/api/approvals/${encodeURIComponent(token)}` : null;
const finalStages = ['Completed', 'Rejected', 'Expired', 'Cancelled', 'Failed'];

let screen = { kind: 'loading' };
let state = null;
let banner = null;
let comment = '';
let commentError = false;
let lastKey = null;
let lastJson = null;
let pollTimer = 0;

initLanguageSwitch('approval.title');
onLanguageChange(() => render(false));
window.addEventListener('hashchange', () => window.location.reload());

if (apiPath) {
  load();
} else {
  screen = { kind: 'error', error: 'missing' };
  render();
}

async function load() {
  const result = await api('GET', apiPath);
  if (result.offline) {
    fail('network', null, () => { screen = { kind: 'loading' }; render(); load(); });
    return;
  }

  if (!result.ok) {
    fail(errorKind(result), result.problem, errorKind(result) === 'server' ? load : null);
    return;
  }

  accept(result.data);
}

function accept(data) {
  state = data;
  screen = { kind: 'state' };
  const json = JSON.stringify(state);
  if (json !== lastJson || screenKey() !== lastKey) {
    lastJson = json;
    render();
  }

  // After a decision the workflow finishes on its own; follow it to the final stage.
  window.clearTimeout(pollTimer);
  if (state.decision && !finalStages.includes(state.stage)) {
    pollTimer = window.setTimeout(load, 1500);
  }
}

function fail(kind, problem, retry) {
  window.clearTimeout(pollTimer);
  screen = { kind: 'error', error: kind, problem, retry };
  render();
}

async function decide(decision) {
  const text = comment.trim();
  if (text.length > 1000) {
    commentError = true;
    render(false);
    document.getElementById('comment')?.focus();
    return;
  }

  banner = null;
  screen = { kind: 'sending' };
  render();
  const result = await api('POST', apiPath, text ? { decision, comment: text } : { decision });
  if (result.offline) {
    fail('network', null, () => decide(decision));
    return;
  }

  if (result.ok) {
    accept(result.data);
    return;
  }

  if (result.status === 409) {
    banner = { kind: 'conflict' };
    lastJson = null;
    await load();
    return;
  }

  if (result.status === 400) {
    banner = { kind: 'invalid', detail: Object.values(result.problem.errors || {}).flat().join(' ') || result.problem.detail };
    screen = { kind: 'state' };
    render();
    return;
  }

  fail(errorKind(result), result.problem, () => decide(decision));
}

// ---- Rendering -----------------------------------------------------------------------------------

function render(moveFocus) {
  const key = screenKey();
  const focus = moveFocus ?? (lastKey !== null && lastKey !== 'loading' && key !== lastKey);
  lastKey = key;
  show(view, [bannerNode(), mainSection()], focus);
  if (focus) {
    announce(view.querySelector('h1')?.textContent ?? '');
  }
}

function screenKey() {
  if (screen.kind === 'error') {
    return `error:${screen.error}`;
  }

  return screen.kind === 'state' ? `${state.decision || 'pending'}:${state.stage}` : screen.kind;
}

function bannerNode() {
  if (!banner || screen.kind === 'error') {
    return null;
  }

  const conflict = banner.kind === 'conflict';
  return h('div', { class: ['banner', conflict ? 'banner--info' : 'banner--error'], role: 'alert' },
    h('p', null, h('span', { class: 'icon', 'aria-hidden': 'true' }, conflict ? 'i' : '!'), ' ', t(conflict ? 'error.conflict' : 'error.invalid')),
    banner.detail ? h('p', { class: 'muted', lang: 'en' }, t('error.serverSays', { detail: banner.detail })) : null);
}

function mainSection() {
  switch (screen.kind) {
    case 'loading':
      return section('loading', null, t('approval.loading'), progress(t('common.loading')));
    case 'error':
      return errorSection(screen.error, screen.problem, screen.retry ? [button(t('common.retry'), screen.retry, 'primary')] : []);
    case 'sending':
      return section('sending', null, t('approval.sending'), progress(t('approval.sending')));
    default:
      return state.decision || finalStages.includes(state.stage) ? decidedSection() : requestSection();
  }
}

function section(name, modifier, title, ...content) {
  return h('section', { class: ['panel', modifier && `panel--${modifier}`], 'data-state': name, 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title' }, title), content);
}

function requestFacts(before) {
  return facts([
    ...(before || []),
    [t('approval.requestedBy'), state.requestedBy],
    [t('approval.newAdmin'), strong(state.requestedAdminEmail)],
    [t('approval.organization'), strong(state.organization.name)],
    [t('approval.subscription'), state.subscriptionId],
    [t('approval.companyName'), state.companyName],
    [t('common.scenario'), t(`scenario.${state.scenario}`)],
    [t('common.order'), state.orderId],
    [t('approval.deadline'), finalStages.includes(state.stage) ? null : timeElement(state.expiresAt)],
  ]);
}

function requestSection() {
  const params = { email: strong(state.requestedAdminEmail), organization: strong(state.organization.name), subscription: state.subscriptionId, requester: state.requestedBy };
  const describedBy = commentError ? 'comment-error comment-hint' : 'comment-hint';
  return section('request', null, t('approval.title'),
    h('p', null, tNodes('approval.intro', params)),
    requestFacts(),
    h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'question', onSubmit: event => event.preventDefault() },
      h('h2', { id: 'question' }, tNodes('approval.question', params)),
      h('ul', { class: 'effects' }, h('li', null, tNodes('approval.effectApprove', params)), h('li', null, tNodes('approval.effectReject', params))),
      h('div', { class: ['field', commentError && 'field--invalid'] },
        h('label', { for: 'comment' }, t('approval.comment')),
        h('p', { id: 'comment-hint', class: 'hint' }, t('approval.commentHint')),
        h('p', { id: 'comment-error', class: 'field__error', hidden: !commentError }, commentError ? [h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t('approval.commentTooLong')] : []),
        (() => {
          const area = h('textarea', { id: 'comment', name: 'comment', rows: '3', maxlength: '1000', 'aria-describedby': describedBy, 'aria-invalid': commentError ? 'true' : 'false', onInput: e => { comment = e.target.value; } });
          area.value = comment;
          return area;
        })()),
      h('p', { class: 'actions' },
        button(t('approval.approve'), () => decide('approve'), 'primary', { 'data-decision': 'approve' }),
        button(t('approval.reject'), () => decide('reject'), 'danger', { 'data-decision': 'reject' }))));
}

function decidedSection() {
  const decision = state.decision || (state.stage === 'Expired' ? 'expired' : null);
  const finished = finalStages.includes(state.stage);
  const params = { email: strong(state.requestedAdminEmail), organization: strong(state.organization.name), subscription: state.subscriptionId, requester: state.requestedBy };
  let title;
  let text;
  let modifier;
  let icon;
  if (decision === 'approved') {
    title = t('approval.decided.approved');
    text = tNodes(state.stage === 'Completed' ? 'approval.approvedDone' : 'approval.approvedText', params);
    modifier = 'success';
    icon = '✓';
  } else if (decision === 'rejected') {
    title = t('approval.decided.rejected');
    text = tNodes('approval.rejectedText', params);
    modifier = 'error';
    icon = '✕';
  } else if (decision === 'expired') {
    title = t('approval.decided.expired');
    text = [t('approval.expiredText')];
    modifier = 'error';
    icon = '!';
  } else {
    title = t('approval.decided.closed');
    text = [t('approval.closedText')];
    modifier = null;
    icon = 'i';
  }

  return h('section', { class: ['panel', modifier && `panel--${modifier}`], 'data-state': 'decided', 'data-decision': decision || 'none', 'data-stage': state.stage, 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), ' ', title),
    h('p', { class: 'lead' }, text),
    requestFacts([
      [t('approval.decision'), decision ? t(`decision.${decision}`) : null],
      [t('common.stage'), h('span', { class: 'stage', 'data-stage': state.stage }, t(`stage.${state.stage}`))],
    ]),
    finished ? null : progress(t('assigning.text')));
}
