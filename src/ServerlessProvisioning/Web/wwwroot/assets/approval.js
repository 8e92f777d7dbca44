// The approval page: the existing full administrator sees who asks to add which administrator to
// their organization, and approves or rejects. The token comes from the fragment (#t=…) and travels
// only in the Authorization header; loading, polling and errors are common.js createPage's.

import { button, createPage, facts, h, progress, strong, t, tNodes, timeElement } from './common.js';
import { limits, stages } from './contract.js';

// After a decision the workflow finishes on its own; follow it to the final stage.
const followPollMs = 1500;
const isFinal = stage => Boolean(stages[stage]?.final);

let comment = '';
let commentError = false;

const page = createPage({
  titleKey: 'approval.title',
  loadingKey: 'approval.loading',
  resource: '/api/approvals',
  stateKey: state => `${state.decision || 'pending'}:${state.stage}`,
  renderState: state => (state.decision || isFinal(state.stage) ? decidedSection(state) : requestSection(state)),
  pollDelay: state => (state.decision && !isFinal(state.stage) ? followPollMs : 0),
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
    settled: state => Boolean(state.decision) || isFinal(state.stage),
    retry: () => decide(decision),
  });
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
    [t('approval.deadline'), isFinal(state.stage) ? null : timeElement(state.expiresAt)],
  ]);
}

function params(state) {
  return { email: strong(state.requestedAdminEmail), organization: strong(state.organization.name), subscription: state.subscriptionId, requester: state.requestedBy };
}

function requestSection(state) {
  const describedBy = commentError ? 'comment-error comment-hint' : 'comment-hint';
  const area = h('textarea', { id: 'comment', name: 'comment', rows: '3', maxlength: limits.approvalComment, 'aria-describedby': describedBy, 'aria-invalid': commentError ? 'true' : 'false', onInput: e => { comment = e.target.value; } });
  area.value = comment;
  return section('request', null, t('approval.title'),
    h('p', null, tNodes('approval.intro', params(state))),
    requestFacts(state),
    h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'question', onSubmit: event => event.preventDefault() },
      h('h2', { id: 'question' }, tNodes('approval.question', params(state))),
      h('ul', { class: 'effects' }, h('li', null, tNodes('approval.effectApprove', params(state))), h('li', null, tNodes('approval.effectReject', params(state)))),
      h('div', { class: ['field', commentError && 'field--invalid'] },
        h('label', { for: 'comment' }, t('approval.comment')),
        h('p', { id: 'comment-hint', class: 'hint' }, t('approval.commentHint')),
        h('p', { id: 'comment-error', class: 'field__error', hidden: !commentError }, commentError ? [h('span', { class: 'icon', 'aria-hidden': 'true' }, '!'), ' ', t('approval.commentTooLong', { max: limits.approvalComment })] : []),
        area),
      h('p', { class: 'actions' },
        button(t('approval.approve'), () => decide('approve'), 'primary', { 'data-decision': 'approve' }),
        button(t('approval.reject'), () => decide('reject'), 'danger', { 'data-decision': 'reject' }))));
}

function decidedSection(state) {
  const decision = state.decision || (state.stage === 'Expired' ? 'expired' : null);
  const finished = isFinal(state.stage);
  let title;
  let text;
  let modifier;
  let icon;
  if (decision === 'approved') {
    title = t('approval.decided.approved');
    text = tNodes(state.stage === 'Completed' ? 'approval.approvedDone' : 'approval.approvedText', params(state));
    modifier = 'success';
    icon = '✓';
  } else if (decision === 'rejected') {
    title = t('approval.decided.rejected');
    text = tNodes('approval.rejectedText', params(state));
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
    requestFacts(state, [
      [t('approval.decision'), decision ? t(`decision.${decision}`) : null],
      [t('common.stage'), h('span', { class: 'stage', 'data-stage': state.stage }, t(`stage.${state.stage}`))],
    ]),
    finished ? null : progress(t('assigning.text')));
}
