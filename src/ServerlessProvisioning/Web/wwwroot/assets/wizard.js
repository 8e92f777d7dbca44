// The provisioning wizard: company details → (the code that proves the admin address) → matching →
// organization choice → (the existing administrator's approval, which the contact may withdraw) → outcome.
// Until an organization is chosen the details can be changed. Every screen is drawn from the last
// WizardState the API returned; the token comes from the fragment (#t=…) and travels only in the
// Authorization header. Loading, polling, commands and errors are common.js createPage's.

import {
  announce, button, createPage, facts, formatNumber, h, hasText, openDialog, progress, strong, t, tNodes, timeElement,
} from './common.js';
import { codeDeadReasons, hiddenAddressPart, limits, stages } from './contract.js';

const fastPollMs = 1000;
const approvalPollMs = 3000;
// The earliest second look at a code's state, should the reader's clock be ahead of the server's.
const codeExpiryPollMs = 5000;
/** A whole code: its digits, once spaces and dashes are left out. */
const codePattern = new RegExp(`^\\d{${limits.verificationCodeDigits}}$`);

/** What the person typed, kept across renders (language switch, server errors, a retry). */
const form = { companyName: '', adminEmail: '' };
/** Field errors as i18n keys or server text: { companyName: {key} | {text} }. */
let fieldErrors = {};
/** The contact is changing details already sent: the form, pre-filled, instead of the current step. */
let editing = false;
/** The code being typed, and what is wrong with it ({key, params} | {text}). */
let code = '';
let codeError = null;
/** The attempts left on a code as the last wrong-code answer said: {expiresAt, count}. */
let attemptsSeen = null;
/** A code the API called dead before the state says so: {expiresAt, reason} (its last attempt, or its time, ran out). */
let deadCode = null;

const page = createPage({
  titleKey: 'wizard.title',
  loadingKey: 'wizard.loading',
  resource: '/api/wizard',
  stateKey,
  renderState,
  pollDelay,
});

function stateKey(state) {
  if (isEditing(state)) {
    return 'change';
  }

  if (state.stage === 'AwaitingAdminEmailVerification') {
    return codeIsDead(state.verification) ? 'verification-dead' : 'verification';
  }

  return `${state.stage}:${state.outcome || ''}:${state.matchKind || ''}`;
}

function pollDelay(state) {
  switch (state.stage) {
    case 'Matching':
    case 'Assigning':
      return fastPollMs;
    case 'AwaitingAdminApproval':
      return approvalPollMs;
    case 'AwaitingAdminEmailVerification':
      // Look again when the code's time is up, so the page says so before anyone types a dead code.
      return codeIsDead(state.verification) ? 0 : Math.max(codeExpiryPollMs, Date.parse(state.verification.expiresAt) - Date.now() + 1000);
    default:
      return 0;
  }
}

function isEditing(state) {
  // The details can be changed (a new submission replaces the previous one) until an organization is chosen.
  return editing && Boolean(stages[state.stage]?.changeable);
}

function codeIsDead(verification) {
  return !verification || verification.expired || verification.attemptsLeft <= 0 || deadCode?.expiresAt === verification.expiresAt;
}

// ---- Commands ------------------------------------------------------------------------------------

function submit() {
  fieldErrors = validate();
  if (Object.keys(fieldErrors).length > 0) {
    showFieldErrors();
    return;
  }

  const wasEditing = editing;
  sendDetails('submitting', () => { editing = wasEditing; }, submit);
}

// "Send a new code": the same company details again, which sends a new code and kills the previous one.
function resend() {
  const submission = page.state.submission;
  form.companyName = submission.companyName;
  form.adminEmail = submission.adminEmail;
  // Should the server refuse them now, the form shows why.
  sendDetails('resending', () => { editing = true; }, resend);
}

function sendDetails(kind, onInvalid, retry) {
  const details = { companyName: form.companyName.trim(), adminEmail: form.adminEmail.trim() };
  const before = JSON.stringify(page.state);
  const hadCode = page.state.stage === 'AwaitingAdminEmailVerification';
  editing = false;
  code = '';
  codeError = null;
  page.send('/submission', details, {
    kind,
    progress: state => (kind === 'resending'
      ? section('resending', t('verify.resending.title'), orderStrip(state), progress(t('verify.resending.text', { email: details.adminEmail })))
      : matchingSection(state, details.companyName, details.adminEmail)),
    // A 202 may still carry the state from before: wait for one that differs and is not on its way.
    settled: state => !['InvitationSent', 'Matching'].includes(state.stage) && JSON.stringify(state) !== before,
    onSettled: state => {
      if (hadCode && state.stage === 'AwaitingAdminEmailVerification' && state.verification) {
        page.setBanner({ kind: 'note', name: 'new-code', key: 'verify.newCode', params: { email: strong(state.verification.sentTo) } });
      }
    },
    retry,
    invalid: problem => {
      onInvalid();
      const errors = problem.errors || {};
      fieldErrors = {};
      for (const name of ['companyName', 'adminEmail']) {
        if (errors[name] && errors[name].length) {
          fieldErrors[name] = { text: errors[name].join(' ') };
        }
      }

      const other = Object.entries(errors).filter(([name]) => !(name in fieldErrors)).map(([, messages]) => messages.join(' '));
      page.setBanner({ kind: 'invalid', detail: other.join(' ') || (Object.keys(fieldErrors).length ? null : problem.detail) });
      page.render(false);
      showFieldErrors();
    },
  });
}

function verify() {
  const digits = code.replace(/[\s-]/g, '');
  if (!codePattern.test(digits)) {
    codeError = { key: digits ? 'verify.code.format' : 'verify.code.missing' };
    showCodeError();
    return;
  }

  const sent = page.state.verification;
  // A wrong code's answer does not reload the state (that would take the field away from the reader): its count is newer.
  const attemptsBefore = attemptsSeen?.expiresAt === sent.expiresAt ? attemptsSeen.count : sent.attemptsLeft;
  page.send('/verification', { code: digits }, {
    kind: 'verifying',
    progress: state => h('section', { class: 'panel', 'data-state': 'verifying', 'aria-labelledby': 'view-title', 'aria-busy': 'true' },
      h('h1', { id: 'view-title' }, t('verify.checking')),
      orderStrip(state),
      progress(t('verify.checkingText'))),
    // A wrong code answered with a 202 shows up as fewer attempts left on the same code.
    settled: state => {
      const now = state.verification;
      return state.stage !== 'AwaitingAdminEmailVerification' || !now || now.expiresAt !== sent.expiresAt || now.expired || now.attemptsLeft < attemptsBefore;
    },
    onSettled: state => {
      const now = state.verification;
      const wrong = state.stage === 'AwaitingAdminEmailVerification' && now && now.expiresAt === sent.expiresAt && !now.expired && now.attemptsLeft > 0 && now.attemptsLeft < attemptsBefore;
      codeError = wrong ? wrongCode(now.attemptsLeft) : null;
      if (wrong) {
        attemptsSeen = { expiresAt: sent.expiresAt, count: now.attemptsLeft };
      } else {
        code = '';
      }
    },
    retry: verify,
    invalid: problem => {
      if (problem.attemptsLeft === 0) {
        // Dead: that was the last attempt, or its time ran out; the API says which. The next step is a new code.
        const byAttempts = codeDeadReasons.includes(problem.reason) ? problem.reason === 'attemptsExhausted' : attemptsBefore <= 1;
        deadCode = { expiresAt: sent.expiresAt, reason: byAttempts ? 'attempts' : 'expired' };
        code = '';
        codeError = null;
        page.render();
        return;
      }

      if (typeof problem.attemptsLeft === 'number') {
        attemptsSeen = { expiresAt: sent.expiresAt, count: problem.attemptsLeft };
        codeError = wrongCode(problem.attemptsLeft);
      } else {
        codeError = { text: (problem.errors?.code || []).join(' ') || problem.detail };
      }

      page.render(false);
      showCodeError();
    },
  });
}

function wrongCode(attemptsLeft) {
  return { key: attemptsLeft === 1 ? 'verify.wrong.one' : 'verify.wrong.other', params: { count: attemptsLeft } };
}

function choose(body) {
  page.send('/choice', body, {
    kind: 'choosing',
    progress: state => section('choosing', t('choice.sending'), orderStrip(state), progress(t('choice.sending'))),
    settled: state => state.stage !== 'AwaitingOrganizationChoice',
    retry: () => choose(body),
  });
}

function withdraw() {
  page.send('/withdrawal', undefined, {
    kind: 'withdrawing',
    progress: state => section('withdrawing', t('withdraw.sending'), orderStrip(state), progress(t('withdraw.sending'))),
    settled: state => state.stage !== 'AwaitingAdminApproval',
    retry: withdraw,
  });
}

// "Start again" after a refusal or an expired approval: back at the form, with this same link.
function restart() {
  page.send('/restart', undefined, {
    kind: 'restarting',
    progress: state => section('restarting', t('restart.sending'), orderStrip(state), progress(t('restart.sending'))),
    settled: state => !stages[state.stage]?.final,
    retry: restart,
  });
}

// "Change the details": the form, filled with what was sent; sending it replaces the submission.
function startChange() {
  const submission = page.state.submission;
  if (submission) {
    form.companyName = submission.companyName;
    form.adminEmail = submission.adminEmail;
  }

  fieldErrors = {};
  editing = true;
  page.setBanner(null);
  page.render();
}

function keepDetails() {
  editing = false;
  fieldErrors = {};
  page.render();
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
    } else if (company.length > limits.companyName) {
      errors.companyName = { key: 'form.companyName.tooLong', params: { max: limits.companyName } };
    } else if (!/[\p{L}\p{N}]/u.test(company)) {
      errors.companyName = { key: 'form.companyName.noLetters' };
    }
  }

  if (!only || only === 'adminEmail') {
    if (!email) {
      errors.adminEmail = { key: 'form.adminEmail.missing' };
    } else if (email.length > limits.email) {
      errors.adminEmail = { key: 'form.adminEmail.tooLong', params: { max: limits.email } };
    } else if (!emailPattern.test(email)) {
      errors.adminEmail = { key: 'form.adminEmail.invalid' };
    }
  }

  return errors;
}

function errorText(error) {
  return error.key ? t(error.key, error.params) : error.text;
}

function errorFor(name) {
  return name === 'code' ? codeError : fieldErrors[name];
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

function showCodeError() {
  updateField('code');
  const input = document.getElementById('code');
  if (codeError && input) {
    announce(errorText(codeError));
    input.focus();
    input.select();
  }
}

function updateField(name) {
  const input = document.getElementById(name);
  const message = document.getElementById(`${name}-error`);
  if (!input || !message) {
    return;
  }

  const error = errorFor(name);
  input.setAttribute('aria-invalid', error ? 'true' : 'false');
  input.setAttribute('aria-describedby', error ? `${name}-error ${name}-hint` : `${name}-hint`);
  input.closest('.field')?.classList.toggle('field--invalid', Boolean(error));
  message.hidden = !error;
  message.replaceChildren(...(error ? [h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', errorText(error)] : []));
}

// ---- Screens -------------------------------------------------------------------------------------

function renderState(state) {
  if (isEditing(state)) {
    return formSection(state, true);
  }

  switch (state.stage) {
    case 'InvitationSent':
      return formSection(state, false);
    case 'AwaitingAdminEmailVerification':
      return codeIsDead(state.verification) ? deadCodeSection(state) : verificationSection(state);
    case 'Matching':
      return matchingSection(state, state.submission?.companyName ?? '', state.submission?.adminEmail ?? '');
    case 'AwaitingOrganizationChoice':
      return choiceSection(state);
    case 'AwaitingAdminApproval':
      return waitingSection(state);
    case 'Assigning':
    case 'Completed':
      return state.matchKind === 'AdminOfOne' ? ruleASection(state) : state.stage === 'Assigning' ? assigningSection(state) : doneSection(state);
    case 'Rejected':
      return rejectedSection(state);
    case 'Expired':
      return state.approval?.decision === 'expired' ? approvalExpiredSection(state) : endSection(state, 'expired', 'expired.title', 'expired.text');
    case 'Cancelled':
      return endSection(state, 'cancelled', 'cancelled.title', 'cancelled.text');
    default:
      return endSection(state, 'failed', 'failed.title', 'failed.text');
  }
}

function section(name, title, ...content) {
  return h('section', { class: 'panel', 'data-state': name, 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title' }, title), content);
}

function icon(symbol) {
  return h('span', { class: 'icon', 'aria-hidden': 'true' }, symbol);
}

// The order, subscription, scenario and deadline (while something is still to be done), on every step.
function orderStrip(state) {
  // While waiting for approval the deadline is the approver's, shown in the step itself.
  const open = state.stage !== 'AwaitingAdminApproval' && !stages[state.stage]?.final;
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

function submissionFacts(state) {
  const submission = state.submission;
  return submission ? facts([[t('common.companyName'), submission.companyName], [t('common.adminEmail'), submission.adminEmail]]) : null;
}

function changeButton(variant) {
  return button(t('change.button'), startChange, variant || 'secondary', { 'data-change': 'true' });
}

function formSection(state, changing) {
  const fields = [
    field('companyName', 'text', { autocomplete: 'organization', maxlength: limits.companyName }),
    field('adminEmail', 'email', { autocomplete: 'email', maxlength: limits.email, spellcheck: 'false', autocapitalize: 'off' }),
  ];
  const formNode = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'view-title', onSubmit: event => { event.preventDefault(); submit(); } },
    fields,
    h('p', { class: 'actions' },
      h('button', { type: 'submit', class: ['button', 'button--primary'] }, t(changing ? 'change.submit' : 'form.submit')),
      changing ? button(t('change.keep'), keepDetails, 'secondary', { 'data-keep': 'true' }) : null));
  return h('section', { class: 'panel', 'data-state': 'form', 'data-mode': changing ? 'change' : 'new', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, t(changing ? 'change.title' : 'form.title')),
    orderStrip(state),
    h('p', null, t(changing ? 'change.intro' : 'form.intro')),
    formNode);
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
        const found = validate(name)[name];
        if (found) {
          fieldErrors[name] = found;
        } else {
          delete fieldErrors[name];
        }

        updateField(name);
      }
    },
  });
  return fieldBlock(name, t(`form.${name}`), t(`form.${name}.hint`), error, input);
}

function fieldBlock(name, label, hint, error, input) {
  return h('div', { class: ['field', error && 'field--invalid'] },
    h('label', { for: name }, label, ' ', h('span', { class: 'required' }, `(${t('form.required').toLowerCase()})`)),
    h('p', { id: `${name}-hint`, class: 'hint' }, hint),
    h('p', { id: `${name}-error`, class: 'field__error', hidden: !error }, error ? [icon('!'), ' ', errorText(error)] : []),
    input);
}

function matchingSection(state, company, email) {
  return h('section', { class: 'panel', 'data-state': 'matching', 'aria-labelledby': 'view-title', 'aria-busy': 'true' },
    h('h1', { id: 'view-title' }, t('matching.title')),
    state ? orderStrip(state) : null,
    progress(t('matching.text', { company, email })));
}

// The code emailed to the entered admin address: where it went, until when it works, and the field for it.
function verificationSection(state) {
  const verification = state.verification;
  const email = strong(verification.sentTo);
  const input = h('input', {
    // Room for the spaces or dashes some people type between the digits.
    id: 'code', name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 2 * limits.verificationCodeDigits,
    spellcheck: 'false', autocapitalize: 'off', class: 'code-input', required: true, 'aria-required': 'true',
    'aria-invalid': codeError ? 'true' : 'false', 'aria-describedby': codeError ? 'code-error code-hint' : 'code-hint', value: code,
    onInput: event => {
      code = event.target.value;
      // A malformed code's message goes once it has 6 digits; a wrong code's stays until the next try.
      if (codeError?.key?.startsWith('verify.code.') && codePattern.test(code.replace(/[\s-]/g, ''))) {
        codeError = null;
        updateField('code');
      }
    },
  });
  const formNode = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'view-title', onSubmit: event => { event.preventDefault(); verify(); } },
    fieldBlock('code', t('verify.code'), t('verify.code.hint'), codeError, input),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: ['button', 'button--primary'] }, t('verify.submit'))));
  return h('section', { class: 'panel', 'data-state': 'verification', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, icon('✉'), ' ', t('verify.title')),
    orderStrip(state),
    h('p', null, tNodes('verify.intro', { email })),
    facts([
      [t('verify.sentTo'), verification.sentTo],
      [t('verify.until'), timeElement(verification.expiresAt)],
      [t('common.companyName'), state.submission?.companyName ?? null],
    ]),
    formNode,
    h('div', { class: 'verify-help', role: 'group', 'aria-labelledby': 'verify-help-title' },
      h('h2', { id: 'verify-help-title' }, t('verify.help.title')),
      h('p', null, t('verify.help.text')),
      h('p', { class: 'actions' },
        button(t('verify.resend'), resend, 'secondary', { 'data-resend': 'true' }),
        changeButton())));
}

function deadCodeSection(state) {
  const verification = state.verification || {};
  const email = strong(verification.sentTo ?? state.submission?.adminEmail ?? '');
  const byAttempts = deadCode?.expiresAt === verification.expiresAt ? deadCode.reason === 'attempts' : verification.attemptsLeft <= 0 && !verification.expired;
  const reason = byAttempts ? 'verify.dead.attempts' : 'verify.dead.expired';
  return h('section', { class: ['panel', 'panel--error'], 'data-state': 'verification-dead', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, icon('!'), ' ', t('verify.dead.title')),
    orderStrip(state),
    h('p', { 'data-announce': true }, tNodes(reason, { email })),
    h('p', null, t('verify.dead.next')),
    submissionFacts(state),
    h('p', { class: 'actions' },
      button(t('verify.resend'), resend, 'primary', { 'data-resend': 'true' }),
      changeButton()));
}

function ruleASection(state) {
  const organization = state.organization?.name ?? '';
  const done = state.stage === 'Completed';
  return h('section', { class: ['panel', done && 'panel--success'], 'data-state': done ? 'rule-a-completed' : 'rule-a-assigning', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, done ? icon('✓') : null, done ? ' ' : null, t('ruleA.title', { organization })),
    orderStrip(state),
    h('p', null, tNodes('ruleA.text', { email: strong(state.submission?.adminEmail ?? ''), organization: strong(organization), subscription: state.subscriptionId })),
    done ? h('p', { class: 'muted' }, t('done.email')) : progress(t('ruleA.assigning')));
}

function assigningSection(state) {
  return h('section', { class: 'panel', 'data-state': 'assigning', 'aria-labelledby': 'view-title', 'aria-busy': 'true' },
    h('h1', { id: 'view-title' }, t('assigning.title', { organization: state.organization?.name ?? '' })),
    orderStrip(state),
    progress(t('assigning.text')));
}

function choiceSection(state) {
  const candidates = state.candidates || [];
  const email = state.submission?.adminEmail ?? '';
  const company = state.submission?.companyName ?? '';
  const several = state.matchKind === 'AdminOfSeveral';
  const title = several ? t('choice.titleSeveral') : candidates.length ? t('choice.title') : t('choice.empty.title');
  const intro = several
    ? t('choice.introSeveral', { email, subscription: state.subscriptionId })
    : candidates.length ? t('choice.intro', { company, email }) : t('choice.empty.text', { company, email });
  const ended = state.approval?.decision;
  const note = ended === 'withdrawn' ? 'withdraw.note' : ended === 'closed' ? 'closed.note' : null;
  return h('section', { class: ['panel', 'panel--wide'], 'data-state': candidates.length ? 'choice' : 'choice-empty', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, title),
    note
      ? h('div', { class: ['banner', 'banner--info', `${ended}-note`], 'data-announce': true },
        h('p', null, icon('i'), ' ', tNodes(note, { organization: strong(state.approval.organizationName) })))
      : null,
    orderStrip(state),
    submissionFacts(state),
    h('p', { class: 'actions actions--inline' }, changeButton()),
    h('p', null, intro),
    noticeNode(state),
    candidates.length && !several ? h('ul', { class: 'help' }, h('li', null, t('choice.help1')), h('li', null, t('choice.help2')), h('li', null, t('choice.help3'))) : null,
    candidates.length && !several ? h('p', { class: 'policy' }, icon('i'), ' ', t(`choice.policy.${state.scenario}`, { email })) : null,
    candidates.length > 1 ? h('p', { class: 'muted sorted' }, t('choice.sorted')) : null,
    state.omittedCandidates > 0 ? h('p', { class: ['banner', 'banner--info'], 'data-omitted': state.omittedCandidates }, icon('i'), ' ', t('choice.omitted', { count: String(state.omittedCandidates) })) : null,
    candidates.length ? candidateTable(state, candidates) : null,
    newOrganizationPanel(state, company, email));
}

function noticeNode(state) {
  if (!state.notice) {
    return null;
  }

  // The API's notice is English prose; the free-mail one (the only kind today) is said in the page's language.
  const domain = (state.submission?.adminEmail ?? '').split('@').pop();
  const freeMail = /free-?mail/i.test(state.notice);
  return h('div', { class: ['banner', 'banner--info', 'notice'], role: 'note' },
    h('p', null, h('strong', null, `${t('choice.notice')}: `), freeMail ? t('notice.freeMail', { domain }) : h('span', { lang: 'en' }, state.notice)));
}

function candidateTable(state, candidates) {
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
          button([t('choice.choose'), h('span', { class: 'visually-hidden' }, ` ${candidate.name}`)], event => confirmChoice(state, candidate, event.currentTarget), 'primary', { 'data-choose': candidate.organizationId })))))));
}

function matchedBy(candidate) {
  const reasons = (candidate.matchedBy || []).map(reason => (hasText(`match.${reason}`) ? t(`match.${reason}`) : reason));
  return reasons.length ? h('span', { class: 'matched' }, `${t('col.matchedBy')}: ${reasons.join('; ')}`) : null;
}

function admins(list) {
  if (!list || list.length === 0) {
    return h('span', { class: 'muted' }, t('admins.none'));
  }

  return h('ul', { class: 'admins' }, list.map(admin => h('li', null,
    admin.name ? h('span', { class: 'admin-name' }, admin.name) : null,
    admin.name ? ' ' : null,
    // A masked address (s•••@gmail.com: the rules keep it from the contact) is shown as text, not as a link to write to.
    admin.email.includes(hiddenAddressPart)
      ? h('span', { class: 'admin-email', 'data-masked': 'true' }, admin.email)
      : h('a', { class: 'admin-email', href: `mailto:${admin.email}` }, admin.email))));
}

const assessmentSymbols = { InUse: '●', PossiblyAbandoned: '▲', Unclear: '?' };

function assessment(candidate) {
  const reasons = (candidate.reasons || []).map(reason => (hasText(`reason.${reason}`) ? t(`reason.${reason}`) : reason));
  return h('div', { class: 'assessment' },
    h('span', { class: ['badge', `badge--${candidate.assessment}`], 'data-assessment': candidate.assessment },
      h('span', { 'aria-hidden': 'true' }, assessmentSymbols[candidate.assessment] || '•'), ' ',
      hasText(`assessment.${candidate.assessment}`) ? t(`assessment.${candidate.assessment}`) : candidate.assessment),
    reasons.length ? h('span', { class: 'reasons' }, reasons.join(' · ')) : null);
}

function newOrganizationPanel(state, company, email) {
  const type = t(`type.${state.scenario === 'PartnerSelf' ? 'Partner' : 'Customer'}`).toLowerCase();
  return h('div', { class: 'new-org', role: 'group', 'aria-labelledby': 'new-org-title' },
    h('h2', { id: 'new-org-title' }, t('choice.new.title')),
    h('p', null, t('choice.new.text', { type, company, email })),
    h('p', { class: 'actions' }, button(t('choice.new.button'), () => choose({ createNew: true }), 'secondary', { 'data-create-new': 'true' })));
}

// Before choosing an existing organization, say what happens next; warn when it looks abandoned.
function confirmChoice(state, candidate, trigger) {
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
  const reasons = (candidate.reasons || []).map(reason => (hasText(`reason.${reason}`) ? t(`reason.${reason}`) : reason)).join(', ');
  const dialog = openDialog(page.view, trigger, { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-effect', 'data-confirm': candidate.organizationId },
    h('h2', { id: 'confirm-title' }, t('confirm.title', { organization: candidate.name })),
    abandoned ? h('p', { class: ['banner', 'banner--warning'] }, icon('!'), ' ', t('confirm.abandoned', { reasons })) : null,
    h('p', { id: 'confirm-effect' }, effect),
    h('p', { class: 'actions' },
      button(t('confirm.yes', { organization: candidate.name }), () => { dialog.close(); choose({ organizationId: candidate.organizationId }); }, 'primary', { 'data-confirm-yes': 'true' }),
      button(t('common.cancel'), () => dialog.close(), 'secondary', { 'data-confirm-no': 'true' })));
}

// Withdrawing is not undone by a click: say what it does first, with "Go back" as the default.
function confirmWithdrawal(state, trigger) {
  const organization = strong(state.approval?.organizationName ?? state.organization?.name ?? '');
  const dialog = openDialog(page.view, trigger, { 'aria-labelledby': 'withdraw-confirm-title', 'aria-describedby': 'withdraw-confirm-effect', 'data-confirm-withdrawal': 'true' },
    h('h2', { id: 'withdraw-confirm-title' }, tNodes('withdraw.confirm.title', { organization })),
    h('p', { id: 'withdraw-confirm-effect' }, tNodes('withdraw.confirm.effect', { organization })),
    h('p', { class: 'actions' },
      button(t('withdraw.confirm.yes'), () => { dialog.close(); withdraw(); }, 'danger', { 'data-withdraw-yes': 'true' }),
      button(t('common.cancel'), () => dialog.close(), 'secondary', { 'data-withdraw-no': 'true', autofocus: true })));
}

function waitingSection(state) {
  const approval = state.approval || {};
  const email = state.submission?.adminEmail ?? '';
  const organization = approval.organizationName ?? state.organization?.name ?? '';
  return h('section', { class: 'panel', 'data-state': 'waiting', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, icon('◷'), ' ', t('waiting.title')),
    orderStrip(state),
    h('p', null, tNodes('waiting.text', { organization: strong(organization), email: strong(email) })),
    facts([
      [t('common.organization'), organization],
      [t('waiting.deadline'), approval.expiresAt ? timeElement(approval.expiresAt) : null],
    ]),
    approversFacts(state),
    nextSteps(`next.${state.scenario}`, state),
    progress(t('waiting.auto')),
    approval.decision ? null : h('div', { class: 'withdraw', role: 'group', 'aria-labelledby': 'withdraw-title' },
      h('h2', { id: 'withdraw-title' }, t('withdraw.title')),
      h('p', null, tNodes('withdraw.text', { organization: strong(organization) })),
      h('p', { class: 'actions' }, button(t('withdraw.button'), event => confirmWithdrawal(state, event.currentTarget), 'secondary', { 'data-withdraw': 'true' }))));
}

// Who was asked, as the candidate list showed the organization's full administrators (names, and addresses as
// the state gives them), with how many more there are.
function approversFacts(state) {
  const organizationId = state.organization?.organizationId;
  const candidate = (state.candidates || []).find(c => c.organizationId === organizationId);
  if (!candidate || !(candidate.fullAdmins || []).length) {
    return null;
  }

  const more = (candidate.fullAdminCount || 0) - candidate.fullAdmins.length;
  return h('div', { class: 'approvers', role: 'group', 'aria-labelledby': 'approvers-title', 'data-approvers': 'true' },
    h('h2', { id: 'approvers-title' }, t('waiting.approvers')),
    admins(candidate.fullAdmins),
    more > 0 ? h('p', { class: 'muted' }, t('waiting.approversMore', { count: formatNumber(more) })) : null);
}

// A step's advice; where it differs when the admin to add is not the contact (the contact's "add you" becomes
// "add them"), the key has a `.other` form that names the admin.
function nextSteps(key, state) {
  const other = state && state.adminIsContact === false && hasText(`${key}.other`);
  return h('div', { class: 'next-steps', role: 'group', 'aria-labelledby': 'next-title' },
    h('h2', { id: 'next-title' }, t('next.title')),
    h('p', null, other ? tNodes(`${key}.other`, { email: strong(state.submission?.adminEmail ?? '') }) : t(key)));
}

function doneSection(state) {
  const organization = state.organization?.name ?? '';
  const email = state.submission?.adminEmail ?? '';
  const params = { organization: strong(organization), email: strong(email), subscription: state.subscriptionId };
  const key = state.outcome === 'AssignedToNewOrganization' ? 'done.new' : state.outcome === 'AssignedPendingAdminAddition' ? 'done.pending' : 'done.existing';
  return h('section', { class: ['panel', 'panel--success'], 'data-state': 'completed', 'data-outcome': state.outcome || '', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, icon('✓'), ' ', t('done.title')),
    orderStrip(state),
    h('p', { class: 'lead' }, tNodes(key, params)),
    facts([
      [t('common.organization'), organization],
      [t('col.type'), state.organization ? t(`type.${state.organization.type}`) : null],
      [t('common.adminEmail'), email],
    ]),
    state.outcome === 'AssignedPendingAdminAddition' ? nextSteps('next.PartnerForCustomer') : null,
    h('p', { class: 'muted' }, t('done.email')));
}

function rejectedSection(state) {
  const organization = state.approval?.organizationName ?? state.organization?.name ?? '';
  const comment = state.approval?.comment;
  return h('section', { class: ['panel', 'panel--error'], 'data-state': 'rejected', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, icon('✕'), ' ', t('rejected.title')),
    orderStrip(state),
    h('p', null, tNodes('rejected.text', { organization: strong(organization), email: strong(state.submission?.adminEmail ?? '') })),
    // The approver's own words, in whatever language they wrote them.
    comment ? h('figure', { class: 'comment' }, h('figcaption', null, t('rejected.comment')), h('blockquote', null, comment)) : null,
    nextSteps(`next.restart.${state.scenario}`, state),
    restartBlock(state));
}

// Whom to ask before starting again (the administrator who refused, or those who were asked), and "Start again"
// while the invitation's own deadline has not passed; after it, only whoever placed the order can reopen it.
function restartBlock(state) {
  const approval = state.approval || {};
  const people = approval.decidedBy ? [approval.decidedBy] : approval.approvers || [];
  const until = state.restartUntil ? new Date(state.restartUntil) : null;
  const open = until && until.getTime() > Date.now();
  return h('div', { class: 'restart', role: 'group', 'aria-labelledby': 'restart-title', 'data-restart': open ? 'open' : 'closed' },
    h('h2', { id: 'restart-title' }, t('restart.title')),
    people.length ? h('p', null, t(approval.decidedBy ? 'restart.askDecider' : 'restart.askApprovers')) : null,
    people.length ? admins(people) : null,
    open
      ? [h('p', null, tNodes('restart.text', { deadline: timeElement(state.restartUntil) })),
        h('p', { class: 'actions' }, button(t('restart.button'), restart, 'primary', { 'data-restart-button': 'true' }))]
      : h('p', null, t('restart.closed')));
}

// The existing administrator let the approval's deadline pass.
function approvalExpiredSection(state) {
  const approval = state.approval;
  return h('section', { class: ['panel', 'panel--error'], 'data-state': 'expired', 'data-reason': 'approval', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, icon('!'), ' ', t('expired.approval.title')),
    orderStrip(state),
    h('p', null, tNodes('expired.approval.text', {
      organization: strong(approval.organizationName),
      email: strong(state.submission?.adminEmail ?? ''),
      deadline: timeElement(approval.expiresAt),
    })),
    nextSteps(`next.restart.${state.scenario}`, state),
    restartBlock(state));
}

function endSection(state, name, titleKey, textKey) {
  return h('section', { class: ['panel', 'panel--error'], 'data-state': name, 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, icon('!'), ' ', t(titleKey)),
    orderStrip(state),
    h('p', null, t(textKey, { order: state.orderId })),
    name === 'expired' && state.organization ? nextSteps(`next.restart.${state.scenario}`, state) : null);
}
