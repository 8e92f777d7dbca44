// The provisioning wizard: company details → matching → organization choice → (approval) → outcome.
// Everything is rendered from the last WizardState the API returned; the token comes from the
// fragment (#t=…) and is only sent in the API path.

import {
  announce, api, button, errorKind, errorSection, facts, formatNumber, h, hasText, initLanguageSwitch, onLanguageChange, progress, show, strong, t, tNodes,
  timeElement, tokenFromFragment,
} from './common.js';

const view = document.getElementById('view');
const token = tokenFromFragment();
const apiPath = token ? `/api/wizard/${encodeURIComponent(token)}` : null;

const fastPollMs = 1000;
const approvalPollMs = 3000;
const offlinePollMs = 5000;

/** What the page shows: loading, the state, or an error screen. */
let screen = { kind: 'loading' };
/** The last WizardState. */
let state = null;
/** A command sent whose effect is not visible yet: show its progress until the stage leaves `from`. */
let pending = null;
/** A message above the current step: conflict, invalid choice, connection lost. */
let banner = null;
/** What the person typed, kept across renders (language switch, server errors). */
const form = { companyName: '', adminEmail: '' };
/** Field errors as i18n keys or server text: { companyName: {key} | {text} }. */
let fieldErrors = {};
let lastKey = null;
let lastJson = null;
let pollTimer = 0;

initLanguageSwitch('wizard.title');
onLanguageChange(() => render(false));
window.addEventListener('hashchange', () => window.location.reload());
start();

function start() {
  if (!apiPath) {
    screen = { kind: 'error', error: 'missing' };
    render();
    return;
  }

  load();
}

async function load() {
  const result = await api('GET', apiPath);
  if (result.offline) {
    screen = { kind: 'error', error: 'network', retry: () => { screen = { kind: 'loading' }; render(); load(); } };
    render();
    return;
  }

  if (!result.ok) {
    fail(result, () => { screen = { kind: 'loading' }; render(); load(); });
    return;
  }

  accept(result.data);
}

// A new state from the API: render it (moving focus when the step changed) and keep polling if it moves on its own.
function accept(data) {
  state = data;
  if (pending && !pending.from.includes(state.stage)) {
    pending = null;
  }

  screen = { kind: 'state' };
  const json = JSON.stringify(state);
  if (json !== lastJson || screenKey() !== lastKey) {
    lastJson = json;
    render();
  }

  schedulePoll();
}

function fail(result, retry) {
  pending = null;
  stopPolling();
  screen = { kind: 'error', error: errorKind(result), problem: result.problem, retry: errorKind(result) === 'server' ? retry : null };
  render();
}

function schedulePoll(delay) {
  stopPolling();
  if (screen.kind !== 'state' || !state) {
    return;
  }

  const stage = state.stage;
  const wait = delay ?? (pending || stage === 'Matching' || stage === 'Assigning' ? fastPollMs : stage === 'AwaitingAdminApproval' ? approvalPollMs : 0);
  if (wait > 0) {
    pollTimer = window.setTimeout(poll, wait);
  }
}

function stopPolling() {
  window.clearTimeout(pollTimer);
  pollTimer = 0;
}

async function poll() {
  const result = await api('GET', apiPath);
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
    fail(result, load);
    return;
  }

  accept(result.data);
}

// ---- Commands ------------------------------------------------------------------------------------

async function submit() {
  fieldErrors = validate();
  if (Object.keys(fieldErrors).length > 0) {
    showFieldErrors();
    return;
  }

  banner = null;
  pending = { kind: 'submitting', from: ['InvitationSent', 'Matching'] };
  render();
  await command('submission', { companyName: form.companyName.trim(), adminEmail: form.adminEmail.trim() }, submit);
}

async function choose(body) {
  banner = null;
  pending = { kind: 'choosing', from: ['AwaitingOrganizationChoice'] };
  render();
  await command('choice', body, () => choose(body));
}

async function command(path, body, retry) {
  stopPolling();
  const result = await api('POST', `${apiPath}/${path}`, body);
  if (result.offline) {
    pending = null;
    screen = { kind: 'error', error: 'network', retry };
    render();
    return;
  }

  if (result.ok) {
    // 200: the next state is here. 202: still on its way; accept() keeps the progress shown and polls.
    accept(result.data);
    return;
  }

  pending = null;
  if (result.status === 400) {
    const errors = result.problem.errors || {};
    if (path === 'submission') {
      fieldErrors = {};
      for (const name of ['companyName', 'adminEmail']) {
        if (errors[name] && errors[name].length) {
          fieldErrors[name] = { text: errors[name].join(' ') };
        }
      }

      const other = Object.entries(errors).filter(([name]) => !(name in fieldErrors)).map(([, messages]) => messages.join(' '));
      banner = { kind: 'invalid', detail: other.join(' ') || (Object.keys(fieldErrors).length ? null : result.problem.detail) };
      render(false);
      showFieldErrors();
    } else {
      banner = { kind: 'invalid', detail: Object.values(errors).flat().join(' ') || result.problem.detail };
      render();
    }

    return;
  }

  if (result.status === 409) {
    // Answered elsewhere (another tab, a double click): show where it stands now.
    banner = { kind: 'conflict' };
    lastJson = null;
    await load();
    return;
  }

  fail(result, retry);
}

// ---- Form validation -----------------------------------------------------------------------------

const emailPattern = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

function validate(only) {
  const errors = {};
  const company = form.companyName.trim();
  const email = form.adminEmail.trim();
  if (!only || only === 'companyName') {
    if (!company) {
      errors.companyName = { key: 'form.companyName.missing' };
    } else if (company.length > 200) {
      errors.companyName = { key: 'form.companyName.tooLong' };
    } else if (!/[\p{L}\p{N}]/u.test(company)) {
      errors.companyName = { key: 'form.companyName.noLetters' };
    }
  }

  if (!only || only === 'adminEmail') {
    if (!email) {
      errors.adminEmail = { key: 'form.adminEmail.missing' };
    } else if (email.length > 254) {
      errors.adminEmail = { key: 'form.adminEmail.tooLong' };
    } else if (!emailPattern.test(email)) {
      errors.adminEmail = { key: 'form.adminEmail.invalid' };
    }
  }

  return errors;
}

function errorText(error) {
  return error.key ? t(error.key) : error.text;
}

// Updates the fields in place (no re-render, so focus and typing are not disturbed) and focuses the first invalid one.
function showFieldErrors() {
  let first = null;
  for (const name of ['companyName', 'adminEmail']) {
    updateField(name);
    if (fieldErrors[name] && !first) {
      first = document.getElementById(name);
    }
  }

  const count = Object.keys(fieldErrors).length;
  if (count > 0) {
    announce(t('form.errorsSummary', { count }));
    first?.focus();
  }
}

function updateField(name) {
  const input = document.getElementById(name);
  const message = document.getElementById(`${name}-error`);
  if (!input || !message) {
    return;
  }

  const error = fieldErrors[name];
  input.setAttribute('aria-invalid', error ? 'true' : 'false');
  input.setAttribute('aria-describedby', error ? `${name}-error ${name}-hint` : `${name}-hint`);
  input.closest('.field')?.classList.toggle('field--invalid', Boolean(error));
  message.hidden = !error;
  message.replaceChildren(...(error ? [h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', errorText(error)] : []));
}

// ---- Rendering -----------------------------------------------------------------------------------

function render(moveFocus) {
  const key = screenKey();
  const focus = moveFocus ?? (lastKey !== null && lastKey !== 'loading' && key !== lastKey);
  const changed = key !== lastKey;
  lastKey = key;
  show(view, [bannerNode(), mainSection()], focus);
  if (changed && focus) {
    const heading = view.querySelector('h1');
    if (heading) {
      announce(heading.textContent);
    }
  }
}

function screenKey() {
  if (screen.kind !== 'state') {
    return screen.kind === 'error' ? `error:${screen.error}` : screen.kind;
  }

  if (pending) {
    return pending.kind;
  }

  return `${state.stage}:${state.outcome || ''}:${state.matchKind || ''}`;
}

function bannerNode() {
  if (!banner || screen.kind === 'error') {
    return null;
  }

  if (banner.kind === 'offline') {
    return h('div', { class: ['banner', 'banner--warning'], role: 'status' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t('common.connectionLost'));
  }

  const text = banner.kind === 'conflict' ? t('error.conflict') : t('error.invalid');
  return h('div', { class: ['banner', banner.kind === 'conflict' ? 'banner--info' : 'banner--error'], role: 'alert' },
    h('p', null, h('span', { class: 'icon', 'aria-hidden': 'true' }, banner.kind === 'conflict' ? 'i' : '!'), ' ', text),
    banner.detail ? h('p', { class: 'muted', lang: 'en' }, t('error.serverSays', { detail: banner.detail })) : null);
}

function mainSection() {
  if (screen.kind === 'loading') {
    return section('loading', t('wizard.loading'), progress(t('common.loading')));
  }

  if (screen.kind === 'error') {
    const actions = screen.retry ? [button(t('common.retry'), screen.retry, 'primary')] : [];
    return errorSection(screen.error, screen.problem, actions);
  }

  if (pending && pending.kind === 'submitting') {
    return matchingSection(form.companyName.trim(), form.adminEmail.trim());
  }

  if (pending && pending.kind === 'choosing') {
    return section('choosing', t('choice.sending'), orderStrip(), progress(t('choice.sending')));
  }

  switch (state.stage) {
    case 'InvitationSent':
      return formSection();
    case 'Matching':
      return matchingSection(state.submission?.companyName ?? '', state.submission?.adminEmail ?? '');
    case 'AwaitingOrganizationChoice':
      return choiceSection();
    case 'AwaitingAdminApproval':
      return waitingSection();
    case 'Assigning':
    case 'Completed':
      return state.matchKind === 'AdminOfOne' ? ruleASection() : state.stage === 'Assigning' ? assigningSection() : doneSection();
    case 'Rejected':
      return rejectedSection();
    case 'Expired':
      return endSection('expired', 'expired.title', 'expired.text');
    case 'Cancelled':
      return endSection('cancelled', 'cancelled.title', 'cancelled.text');
    default:
      return endSection('failed', 'failed.title', 'failed.text');
  }
}

function section(name, title, ...content) {
  return h('section', { class: 'panel', 'data-state': name, 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title' }, title), content);
}

// The order, subscription, scenario and deadline (while something is still to be done), on every step.
function orderStrip() {
  // While waiting for approval the deadline is the approver's, shown in the step itself.
  const open = !['AwaitingAdminApproval', 'Completed', 'Rejected', 'Expired', 'Cancelled', 'Failed'].includes(state.stage);
  return h('div', { class: 'order', role: 'group', 'aria-labelledby': 'order-title' },
    h('h2', { id: 'order-title', class: 'visually-hidden' }, t('common.yourOrder')),
    facts([
      [t('common.order'), state.orderId],
      [t('common.subscription'), state.subscriptionId],
      [t('common.scenario'), t(`scenario.${state.scenario}`)],
      [t('common.deadline'), open ? timeElement(state.expiresAt) : null],
      [t('common.stage'), h('span', { class: 'stage', 'data-stage': state.stage }, t(`stage.${state.stage}`))],
    ], 'facts--inline'));
}

function submissionFacts() {
  const submission = state.submission;
  return submission ? facts([[t('common.companyName'), submission.companyName], [t('common.adminEmail'), submission.adminEmail]]) : null;
}

function formSection() {
  const fields = [
    field('companyName', 'text', { autocomplete: 'organization', maxlength: '200' }),
    field('adminEmail', 'email', { autocomplete: 'email', maxlength: '254', spellcheck: 'false', autocapitalize: 'off' }),
  ];
  const formNode = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'view-title', onSubmit: event => { event.preventDefault(); submit(); } },
    fields,
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: ['button', 'button--primary'] }, t('form.submit'))));
  return section('form', t('form.title'), orderStrip(), h('p', null, t('form.intro')), formNode);
}

function field(name, type, attributes) {
  const error = fieldErrors[name];
  const input = h('input', {
    id: name, name, type, required: true, 'aria-required': 'true', 'aria-invalid': error ? 'true' : 'false',
    'aria-describedby': error ? `${name}-error ${name}-hint` : `${name}-hint`, value: form[name], ...attributes,
    onInput: event => {
      form[name] = event.target.value;
      // Clear an error as soon as it is fixed; new errors wait for blur or submit.
      if (fieldErrors[name] && !validate(name)[name]) {
        delete fieldErrors[name];
        updateField(name);
      }
    },
    onBlur: () => {
      if (form[name].trim()) {
        const error = validate(name)[name];
        if (error) {
          fieldErrors[name] = error;
        } else {
          delete fieldErrors[name];
        }

        updateField(name);
      }
    },
  });
  return h('div', { class: ['field', error && 'field--invalid'] },
    h('label', { for: name }, t(`form.${name}`), ' ', h('span', { class: 'required' }, `(${t('form.required').toLowerCase()})`)),
    h('p', { id: `${name}-hint`, class: 'hint' }, t(`form.${name}.hint`)),
    h('p', { id: `${name}-error`, class: 'field__error', hidden: !error }, error ? [h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', errorText(error)] : []),
    input);
}

function matchingSection(company, email) {
  return h('section', { class: 'panel', 'data-state': 'matching', 'aria-labelledby': 'view-title', 'aria-busy': 'true' },
    h('h1', { id: 'view-title' }, t('matching.title')),
    state ? orderStrip() : null,
    progress(t('matching.text', { company, email })));
}

function ruleASection() {
  const organization = state.organization?.name ?? '';
  const done = state.stage === 'Completed';
  return h('section', { class: ['panel', done && 'panel--success'], 'data-state': done ? 'rule-a-completed' : 'rule-a-assigning', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, done ? h('span', { class: 'icon', 'aria-hidden': 'true' }, '✓') : null, done ? ' ' : null, t('ruleA.title', { organization })),
    orderStrip(),
    h('p', null, tNodes('ruleA.text', { email: strong(state.submission?.adminEmail ?? ''), organization: strong(organization), subscription: state.subscriptionId })),
    done ? h('p', { class: 'muted' }, t('done.email')) : progress(t('ruleA.assigning')));
}

function assigningSection() {
  return h('section', { class: 'panel', 'data-state': 'assigning', 'aria-labelledby': 'view-title', 'aria-busy': 'true' },
    h('h1', { id: 'view-title' }, t('assigning.title', { organization: state.organization?.name ?? '' })),
    orderStrip(),
    progress(t('assigning.text')));
}

function choiceSection() {
  const candidates = state.candidates || [];
  const email = state.submission?.adminEmail ?? '';
  const company = state.submission?.companyName ?? '';
  const several = state.matchKind === 'AdminOfSeveral';
  const title = several ? t('choice.titleSeveral') : candidates.length ? t('choice.title') : t('choice.empty.title');
  const intro = several
    ? t('choice.introSeveral', { email, subscription: state.subscriptionId })
    : candidates.length ? t('choice.intro', { company, email }) : t('choice.empty.text', { company, email });
  return h('section', { class: ['panel', 'panel--wide'], 'data-state': candidates.length ? 'choice' : 'choice-empty', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, title),
    orderStrip(),
    submissionFacts(),
    h('p', null, intro),
    noticeNode(),
    candidates.length && !several ? h('ul', { class: 'help' }, h('li', null, t('choice.help1')), h('li', null, t('choice.help2')), h('li', null, t('choice.help3'))) : null,
    candidates.length && !several ? h('p', { class: 'policy' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, 'i'), ' ', t(`choice.policy.${state.scenario}`, { email })) : null,
    candidates.length > 1 ? h('p', { class: 'muted sorted' }, t('choice.sorted')) : null,
    candidates.length ? candidateTable(candidates) : null,
    newOrganizationPanel(company, email));
}

function noticeNode() {
  if (!state.notice) {
    return null;
  }

  // The API's notice is English prose; the free-mail one (the only kind today) is said in the page's language.
  const domain = (state.submission?.adminEmail ?? '').split('@').pop();
  const freeMail = /free-?mail/i.test(state.notice);
  return h('div', { class: ['banner', 'banner--info', 'notice'], role: 'note' },
    h('p', null, h('strong', null, `${t('choice.notice')}: `), freeMail ? t('notice.freeMail', { domain }) : h('span', { lang: 'en' }, state.notice)));
}

function candidateTable(candidates) {
  const columns = ['name', 'type', 'created', 'subscriptions', 'users', 'admins', 'assessment', 'action'];
  const label = column => t(`col.${column}`);
  // Explicit roles keep the table's meaning when narrow screens display its rows as cards.
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'candidates', role: 'table' },
      h('caption', { class: 'visually-hidden' }, t('choice.caption')),
      h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, columns.map(c => h('th', { scope: 'col', role: 'columnheader', class: `col-${c}` }, c === 'action' ? h('span', { class: 'visually-hidden' }, label(c)) : label(c))))),
      h('tbody', { role: 'rowgroup' }, candidates.map(candidate => h('tr', { role: 'row', 'data-organization-id': candidate.organizationId, class: `assessment-${candidate.assessment}` },
        h('th', { scope: 'row', role: 'rowheader', class: 'col-name', 'data-label': label('name') },
          h('span', { class: 'org-name' }, candidate.name),
          matchedBy(candidate)),
        h('td', { role: 'cell', class: 'col-type', 'data-label': label('type') }, t(`type.${candidate.type}`)),
        h('td', { role: 'cell', class: 'col-created', 'data-label': label('created') }, timeElement(candidate.createdAt, true)),
        h('td', { role: 'cell', class: ['col-subscriptions', 'num'], 'data-label': label('subscriptions') }, formatNumber(candidate.activeSubscriptions)),
        h('td', { role: 'cell', class: ['col-users', 'num'], 'data-label': label('users') }, formatNumber(candidate.users)),
        h('td', { role: 'cell', class: 'col-admins', 'data-label': label('admins') }, admins(candidate.fullAdmins)),
        h('td', { role: 'cell', class: 'col-assessment', 'data-label': label('assessment') }, assessment(candidate)),
        h('td', { role: 'cell', class: 'col-action', 'data-label': label('action') },
          button([t('choice.choose'), h('span', { class: 'visually-hidden' }, ` ${candidate.name}`)], event => confirmChoice(candidate, event.currentTarget), 'primary', { 'data-choose': candidate.organizationId })))))));
}

function matchedBy(candidate) {
  const reasons = (candidate.matchedBy || []).map(code => (hasText(`match.${code}`) ? t(`match.${code}`) : code));
  return reasons.length ? h('span', { class: 'matched' }, `${t('col.matchedBy')}: ${reasons.join('; ')}`) : null;
}

function admins(list) {
  if (!list || list.length === 0) {
    return h('span', { class: 'muted' }, t('admins.none'));
  }

  return h('ul', { class: 'admins' }, list.map(admin => h('li', null,
    admin.name ? h('span', { class: 'admin-name' }, admin.name) : null,
    admin.name ? ' ' : null,
    h('a', { class: 'admin-email', href: `mailto:${admin.email}` }, admin.email))));
}

const assessmentSymbols = { InUse: '●', PossiblyAbandoned: '▲', Unclear: '?' };

function assessment(candidate) {
  const reasons = (candidate.reasons || []).map(code => (hasText(`reason.${code}`) ? t(`reason.${code}`) : code));
  return h('div', { class: 'assessment' },
    h('span', { class: ['badge', `badge--${candidate.assessment}`], 'data-assessment': candidate.assessment },
      h('span', { 'aria-hidden': 'true' }, assessmentSymbols[candidate.assessment] || '•'), ' ',
      hasText(`assessment.${candidate.assessment}`) ? t(`assessment.${candidate.assessment}`) : candidate.assessment),
    reasons.length ? h('span', { class: 'reasons' }, reasons.join(' · ')) : null);
}

function newOrganizationPanel(company, email) {
  const type = t(`type.${state.scenario === 'PartnerSelf' ? 'Partner' : 'Customer'}`).toLowerCase();
  return h('div', { class: 'new-org', role: 'group', 'aria-labelledby': 'new-org-title' },
    h('h2', { id: 'new-org-title' }, t('choice.new.title')),
    h('p', null, t('choice.new.text', { type, company, email })),
    h('p', { class: 'actions' }, button(t('choice.new.button'), () => choose({ createNew: true }), 'secondary', { 'data-create-new': 'true' })));
}

// Before choosing an existing organization, say what happens next; warn when it looks abandoned.
function confirmChoice(candidate, trigger) {
  const email = state.submission?.adminEmail ?? '';
  const isAdmin = (candidate.fullAdmins || []).some(a => a.email.toLowerCase() === email.toLowerCase());
  const adminList = (candidate.fullAdmins || []).map(a => (a.name ? `${a.name} <${a.email}>` : a.email)).join(', ');
  const params = { organization: strong(candidate.name), email: strong(email), admins: adminList };
  let effect;
  if (isAdmin || state.matchKind === 'AdminOfSeveral') {
    effect = tNodes('confirm.direct', params);
  } else if (state.scenario === 'PartnerForCustomer') {
    effect = tNodes('confirm.partnerForCustomer', params);
  } else {
    effect = tNodes('confirm.approval', params);
  }

  const abandoned = candidate.assessment === 'PossiblyAbandoned';
  const reasons = (candidate.reasons || []).map(code => (hasText(`reason.${code}`) ? t(`reason.${code}`) : code)).join(', ');
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-effect', 'data-confirm': candidate.organizationId },
    h('h2', { id: 'confirm-title' }, t('confirm.title', { organization: candidate.name })),
    abandoned ? h('p', { class: ['banner', 'banner--warning'] }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t('confirm.abandoned', { reasons })) : null,
    h('p', { id: 'confirm-effect' }, effect),
    h('p', { class: 'actions' },
      button(t('confirm.yes', { organization: candidate.name }), () => { dialog.close(); choose({ organizationId: candidate.organizationId }); }, 'primary', { 'data-confirm-yes': 'true' }),
      button(t('common.cancel'), () => dialog.close(), 'secondary', { 'data-confirm-no': 'true' })));
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (trigger.isConnected) {
      trigger.focus();
    }
  });
  view.append(dialog);
  dialog.showModal();
}

function waitingSection() {
  const approval = state.approval || {};
  const email = state.submission?.adminEmail ?? '';
  return h('section', { class: 'panel', 'data-state': 'waiting', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '◷'), ' ', t('waiting.title')),
    orderStrip(),
    h('p', null, tNodes('waiting.text', { organization: strong(approval.organizationName ?? state.organization?.name ?? ''), email: strong(email) })),
    facts([
      [t('common.organization'), approval.organizationName ?? state.organization?.name ?? ''],
      [t('waiting.deadline'), approval.expiresAt ? timeElement(approval.expiresAt) : null],
    ]),
    nextSteps(`next.${state.scenario}`),
    progress(t('waiting.auto')));
}

function nextSteps(key) {
  return h('div', { class: 'next-steps', role: 'group', 'aria-labelledby': 'next-title' },
    h('h2', { id: 'next-title' }, t('next.title')),
    h('p', null, t(key)));
}

function doneSection() {
  const organization = state.organization?.name ?? '';
  const email = state.submission?.adminEmail ?? '';
  const params = { organization: strong(organization), email: strong(email), subscription: state.subscriptionId };
  const key = state.outcome === 'AssignedToNewOrganization' ? 'done.new' : state.outcome === 'AssignedPendingAdminAddition' ? 'done.pending' : 'done.existing';
  return h('section', { class: ['panel', 'panel--success'], 'data-state': 'completed', 'data-outcome': state.outcome || '', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '✓'), ' ', t('done.title')),
    orderStrip(),
    h('p', { class: 'lead' }, tNodes(key, params)),
    facts([
      [t('common.organization'), organization],
      [t('col.type'), state.organization ? t(`type.${state.organization.type}`) : null],
      [t('common.adminEmail'), email],
    ]),
    state.outcome === 'AssignedPendingAdminAddition' ? nextSteps('next.PartnerForCustomer') : null,
    h('p', { class: 'muted' }, t('done.email')));
}

function rejectedSection() {
  const organization = state.approval?.organizationName ?? state.organization?.name ?? '';
  return h('section', { class: ['panel', 'panel--error'], 'data-state': 'rejected', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '✕'), ' ', t('rejected.title')),
    orderStrip(),
    h('p', null, tNodes('rejected.text', { organization: strong(organization), email: strong(state.submission?.adminEmail ?? '') })),
    nextSteps(`next.restart.${state.scenario}`));
}

function endSection(name, titleKey, textKey) {
  return h('section', { class: ['panel', 'panel--error'], 'data-state': name, 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t(titleKey)),
    orderStrip(),
    h('p', null, t(textKey, { order: state.orderId })),
    name === 'expired' && state.organization ? nextSteps(`next.restart.${state.scenario}`) : null);
}
