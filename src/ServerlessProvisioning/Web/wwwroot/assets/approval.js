// The approval page: the existing full administrator sees who asks to add which administrator to
// their organization, and approves or rejects. A link is one of two kinds (the state's `kind`):
// `approval`, where the subscription waits for the decision, or `addAdmin` (partner for customer),
// where it is already assigned and approving adds the administrator at once. The token comes from
// the fragment (#t=…) and travels only in the Authorization header; loading, polling and errors are
// common.js createPage's.

import { button, createPage, facts, h, openDialog, progress, strong, t, tNodes, timeElement } from './common.js';
import { limits, stages } from './contract.js';

// After a decision the workflow finishes on its own; follow it to the final stage.
const followPollMs = 1500;
const isFinal = stage => Boolean(stages[stage]?.final);
const isAddAdmin = state => state.kind === 'addAdmin';
// An add-admin request is decided by its decision alone: its order has finished when it is sent.
const isDecided = state => Boolean(state.decision) || (!isAddAdmin(state) && isFinal(state.stage));
// The texts of an add-admin request have keys of their own under approval.addAdmin.
const key = (state, name) => (isAddAdmin(state) ? `approval.addAdmin.${name}` : `approval.${name}`);

let comment = '';
let commentError = false;
// The decision this page sent and the API took (its 202). The workflow may show it a moment later than the
// answer did: until then the page keeps showing it, and keeps following the order.
let sent = null;
const effective = state => (state.decision || !sent || isFinal(state.stage) ? state : { ...state, decision: sent.decision, comment: sent.comment, decidedAt: sent.decidedAt });

const page = createPage({
  titleKey: 'approval.title',
  loadingKey: 'approval.loading',
  resource: '/api/approvals',
  stateKey: state => `${state.kind || 'approval'}:${effective(state).decision || 'pending'}:${state.stage}`,
  renderState: state => (isDecided(effective(state)) ? decidedSection(effective(state)) : requestSection(state)),
  pollDelay: state => (effective(state).decision && !isAddAdmin(state) && !isFinal(state.stage) ? followPollMs : 0),
});

// ---- Commands ------------------------------------------------------------------------------------

function decide(decision) {
  const text = comment.trim();
  if (text.length > limits.approvalComment) {
    commentError = true;
    page.render(false);
    document.getElementById('comment')?.focus();
    return;
  }

  page.send('', text ? { decision, comment: text } : { decision }, {
    kind: 'sending',
    progress: () => section('sending', null, t('approval.sending'), progress(t('approval.sending'))),
    settled: isDecided,
    onSettled: state => { if (state.decision) { sent = state; } },
    retry: () => decide(decision),
  });
}

// Rejecting is not undone by a click: say what it does first, with "Go back" as the default.
function confirmReject(state, trigger) {
  const dialog = openDialog(page.view, trigger, { 'aria-labelledby': 'reject-confirm-title', 'aria-describedby': 'reject-confirm-effect', 'data-confirm-reject': 'true' },
    h('h2', { id: 'reject-confirm-title' }, tNodes(key(state, 'rejectConfirm.title'), params(state))),
    h('p', { id: 'reject-confirm-effect' }, tNodes(key(state, 'effectReject'), params(state))),
    h('p', { class: 'actions' },
      button(t(key(state, 'rejectConfirm.yes')), () => { dialog.close(); decide('reject'); }, 'danger', { 'data-reject-yes': 'true' }),
      button(t('common.cancel'), () => dialog.close(), 'secondary', { 'data-reject-no': 'true', autofocus: true })));
}

// ---- Screens -------------------------------------------------------------------------------------

function section(name, modifier, title, ...content) {
  return h('section', { class: ['panel', modifier && `panel--${modifier}`], 'data-state': name, 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title' }, title), content);
}

function requestFacts(state, before) {
  return facts([
    ...(before || []),
    [t('approval.requestedBy'), state.requestedBy],
    [t('approval.newAdmin'), strong(state.requestedAdminEmail)],
    [t('approval.organization'), strong(state.organization.name)],
    [t('approval.subscription'), state.subscriptionId],
    [t('approval.companyName'), state.companyName],
    [t('common.scenario'), t(`scenario.${state.scenario}`)],
    [t('common.order'), state.orderId],
    [t('approval.deadline'), isDecided(state) ? null : timeElement(state.expiresAt)],
  ]);
}

function params(state) {
  return { email: strong(state.requestedAdminEmail), organization: strong(state.organization.name), subscription: state.subscriptionId, requester: state.requestedBy };
}

function requestSection(state) {
  const describedBy = commentError ? 'comment-error comment-hint' : 'comment-hint';
  const area = h('textarea', { id: 'comment', name: 'comment', rows: '3', maxlength: limits.approvalComment, 'aria-describedby': describedBy, 'aria-invalid': commentError ? 'true' : 'false', onInput: e => { comment = e.target.value; } });
  area.value = comment;
  const request = section('request', null, t(key(state, 'title')),
    h('p', null, tNodes(key(state, 'intro'), params(state))),
    requestFacts(state),
    h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'question', onSubmit: event => event.preventDefault() },
      h('h2', { id: 'question' }, tNodes(key(state, 'question'), params(state))),
      h('ul', { class: 'effects' }, h('li', null, tNodes(key(state, 'effectApprove'), params(state))), h('li', null, tNodes(key(state, 'effectReject'), params(state)))),
      h('div', { class: ['field', commentError && 'field--invalid'] },
        h('label', { for: 'comment' }, t('approval.comment')),
        h('p', { id: 'comment-hint', class: 'hint' }, t('approval.commentHint')),
        h('p', { id: 'comment-error', class: 'field__error', hidden: !commentError }, commentError ? [h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t('approval.commentTooLong', { max: limits.approvalComment })] : []),
        area),
      h('p', { class: 'actions' },
        button(t(key(state, 'approve')), () => decide('approve'), 'primary', { 'data-decision': 'approve' }),
        button(t(key(state, 'reject')), event => confirmReject(state, event.currentTarget), 'danger', { 'data-decision': 'reject' }))));
  request.dataset.kind = state.kind || 'approval';
  return request;
}

function decidedSection(state) {
  const decision = state.decision || (state.stage === 'Expired' ? 'expired' : null);
  const finished = isFinal(state.stage);
  let title;
  let text;
  let modifier;
  let icon;
  if (decision === 'approved') {
    title = t(key(state, 'decided.approved'));
    text = tNodes(isAddAdmin(state) ? 'approval.addAdmin.approvedText' : state.stage === 'Completed' ? 'approval.approvedDone' : 'approval.approvedText', params(state));
    modifier = 'success';
    icon = '✓';
  } else if (decision === 'rejected') {
    title = t(key(state, 'decided.rejected'));
    text = tNodes(key(state, 'rejectedText'), params(state));
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

  return h('section', { class: ['panel', modifier && `panel--${modifier}`], 'data-state': 'decided', 'data-kind': state.kind || 'approval', 'data-decision': decision || 'none', 'data-stage': state.stage, 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), ' ', title),
    h('p', { class: 'lead' }, text),
    // The decider's own words, in whatever language they wrote them.
    state.comment ? h('figure', { class: 'comment', 'data-comment': 'true' }, h('figcaption', null, t('approval.decidedComment')), h('blockquote', null, state.comment)) : null,
    requestFacts(state, [
      [t('approval.decision'), decision ? t(`decision.${decision}`) : null],
      [t('approval.decidedAt'), state.decidedAt ? timeElement(state.decidedAt) : null],
      [t('common.stage'), isAddAdmin(state) ? null : h('span', { class: 'stage', 'data-stage': state.stage }, t(`stage.${state.stage}`))],
    ]),
    finished || isAddAdmin(state) ? null : progress(t('assigning.text')));
}
