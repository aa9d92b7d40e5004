// The ops console: a static shell over the JSON API. The bearer token comes in the URL fragment (#token=...) or the
// sign-in form and is kept in sessionStorage only (gone with the tab). Every element is built with the DOM, never from
// HTML strings, so no value from the API is ever interpreted as markup.
'use strict';

const REFRESH_MS = 10000;
const TOKEN_KEY = 'consent-console-token';
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const shortTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const numberFormat = new Intl.NumberFormat();

let viewer = null;
let refreshTimer = null;
// each navigation's number: a load that finishes after the viewer moved on draws nothing
let generation = 0;

// ---- DOM helpers -----------------------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const svg = (tag, attrs, ...children) => {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children.flat(Infinity)) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
};

function time(iso) {
  if (!iso) return '—';
  return h('time', { datetime: iso, title: iso }, timeFormat.format(new Date(iso)));
}

const num = n => numberFormat.format(n);
const ACTION_NOUN = { DELETE: 'deletion', SUPPRESS: 'suppression', RESUME: 'resumption' };

function badge(status) {
  return h('span', { class: 'badge badge-' + String(status).toLowerCase().replace(/_/g, '-') },
    String(status).replace(/_/g, ' ').toLowerCase());
}

function subjectLink(subjectId) {
  return h('a', { href: '#/subject/' + encodeURIComponent(subjectId), 'data-focus': 'subject-' + subjectId },
    subjectId);
}

function say(message) {
  const status = document.getElementById('status');
  status.textContent = '';
  // a fresh text node so screen readers announce a repeated message too
  setTimeout(() => { status.textContent = message; }, 50);
}

// ---- token and API -----------------------------------------------------------------------------------------------

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function takeTokenFromFragment() {
  const match = location.hash.match(/^#token=([^&]+)(?:&(.*))?$/);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + (match[2] ? '#' + match[2] : '#/'));
  }
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem && (problem.detail || problem.title) || 'HTTP ' + status);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    method: options.method || 'GET',
    headers: Object.assign({ Authorization: 'Bearer ' + token(), Accept: 'application/json' },
      options.body ? { 'Content-Type': 'application/json' } : {}),
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn('Your token was refused or has expired; sign in again.');
    throw new ApiError(401);
  }
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function showSignIn(message) {
  stopRefresh();
  document.getElementById('view').replaceChildren();
  document.getElementById('viewer').hidden = true;
  const section = document.getElementById('sign-in');
  section.hidden = false;
  if (message) say(message);
  document.getElementById('token').focus();
}

// ---- routing -----------------------------------------------------------------------------------------------------

async function route() {
  takeTokenFromFragment();
  if (!token()) {
    showSignIn();
    return;
  }
  document.getElementById('sign-in').hidden = true;
  stopRefresh();
  const gen = ++generation;
  const subject = location.hash.match(/^#\/subject\/(.+)$/);
  const load = subject ? first => showTimeline(decodeURIComponent(subject[1]), first, gen)
    : first => showOverview(first, gen);
  try {
    await load(true);
  } catch (e) {
    showError(e);
  }
  refreshTimer = setInterval(() => {
    if (!document.getElementById('confirm-dialog').open) load(false).catch(showError);
  }, REFRESH_MS);
}

function stopRefresh() {
  if (refreshTimer) clearInterval(refreshTimer);
  refreshTimer = null;
}

function showError(e) {
  if (e.status === 401) return;
  const message = e.status === 403 ? 'Your token does not allow this (' + e.message + ').' : 'Could not load: ' + e.message;
  say(message);
  const view = document.getElementById('view');
  if (!view.firstChild) view.replaceChildren(h('p', { class: 'error', role: 'alert' }, message));
}

/** Replaces the view, keeping keyboard focus on the same control when it is drawn again. */
function render(nodes, firstLoad, gen) {
  if (gen !== generation) return;
  const active = document.activeElement && document.activeElement.getAttribute('data-focus');
  const view = document.getElementById('view');
  view.replaceChildren(...nodes);
  if (firstLoad) {
    document.getElementById('main').focus({ preventScroll: true });
    window.scrollTo(0, 0);
  } else if (active) {
    const again = view.querySelector('[data-focus="' + CSS.escape(active) + '"]');
    if (again) again.focus();
  }
}

function showViewer(v) {
  viewer = v;
  const p = document.getElementById('viewer');
  p.hidden = false;
  p.replaceChildren('Signed in as ', h('strong', {}, v.name), ' · ', v.canAct ? 'ops' : 'read-only', ' · times in ',
    zone, ' ', h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'));
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  location.hash = '#/';
  showSignIn('Signed out.');
}

// ---- overview ----------------------------------------------------------------------------------------------------

async function showOverview(firstLoad, gen) {
  const o = await api('/v1/ops/overview');
  if (gen !== generation) return;
  showViewer(o.viewer);
  if (firstLoad) document.title = 'Overview · Consent console';
  render([
    h('div', { class: 'heading' }, h('h1', {}, 'Overview'),
      h('p', { class: 'muted' }, 'Updated ', time(o.at), ', every ', REFRESH_MS / 1000, ' s')),
    h('div', { class: 'grid' },
      processorTable(o.processors),
      rightsPanel(o.rights),
      h('section', { class: 'card', 'aria-labelledby': 'outbox-title' },
        h('h2', { id: 'outbox-title' }, 'Outbox backlog'),
        h('p', { class: 'big' }, h('span', { 'data-testid': 'outbox-events' }, num(o.outbox.events)), ' events'),
        h('p', { class: 'muted' }, 'oldest waiting ', num(o.outbox.oldestAgeSeconds), ' s')),
      deadLetterTable(o.deadLetters)),
    h('div', { class: 'grid charts' },
      chart('Accepted changes', 'accepted', o.accepted, [{ key: 'changes', label: 'changes', cls: 'bar' }],
        o.bucketSeconds, n => num(n)),
      chart('Propagation latency, accepted to closed', 'latency', o.latency,
        [{ key: 'p95Seconds', label: 'p95 seconds', cls: 'bar light' },
         { key: 'p50Seconds', label: 'p50 seconds', cls: 'bar' }], o.bucketSeconds, n => n.toFixed(1) + ' s')),
    workList('Awaiting manual confirmation', 'awaiting-manual', o.work.awaitingManual,
      'Deletions filed by e-mail (AddApptr): confirm once the processor has answered.'),
    workList('Failed', 'failed', o.work.failed, 'Given up after retries: retry once the cause is fixed.'),
    workList('Overdue', 'overdue', o.work.overdue, 'Open past their deadline.'),
  ], firstLoad, gen);
}

function processorTable(rows) {
  return h('section', { class: 'card wide', 'aria-labelledby': 'processors-title' },
    h('h2', { id: 'processors-title' }, 'Open propagations by processor'),
    h('table', { 'data-testid': 'processors' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Processor'), h('th', { scope: 'col', class: 'n' }, 'Pending'),
        h('th', { scope: 'col', class: 'n' }, 'Awaiting manual'), h('th', { scope: 'col', class: 'n' }, 'Failed'),
        h('th', { scope: 'col', class: 'n' }, 'Overdue'))),
      h('tbody', {}, rows.map(r => h('tr', { 'data-processor': r.processor },
        h('th', { scope: 'row' }, r.processor),
        h('td', { class: 'n' }, num(r.pending)),
        h('td', { class: 'n' + (r.awaitingManual ? ' attention' : '') }, num(r.awaitingManual)),
        h('td', { class: 'n' + (r.failed ? ' alarm' : '') }, num(r.failed)),
        h('td', { class: 'n' + (r.overdue ? ' alarm' : '') }, num(r.overdue)))))));
}

function rightsPanel(r) {
  const tiles = [['Overdue', r.overdue, 'alarm'], ['Under 7 days', r.within7Days, 'attention'],
    ['7–13 days', r.within14Days, ''], ['14–29 days', r.within30Days, ''], ['30 days or more', r.later, '']];
  return h('section', { class: 'card wide', 'aria-labelledby': 'rights-title' },
    h('h2', { id: 'rights-title' }, 'Open rights requests by time to deadline'),
    h('ul', { class: 'tiles' }, tiles.map(([label, n, cls]) => h('li', { class: n ? cls : '' },
      h('span', { class: 'big' }, num(n)), h('span', {}, label)))),
    r.soonest.length === 0 ? h('p', { class: 'muted' }, 'No open rights requests.') :
      h('table', {}, h('caption', {}, 'Soonest due'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Subject'), h('th', { scope: 'col' }, 'Type'),
          h('th', { scope: 'col' }, 'Deadline'), h('th', { scope: 'col', class: 'n' }, 'Days left'))),
        h('tbody', {}, r.soonest.map(d => h('tr', {}, h('td', {}, subjectLink(d.subjectId)), h('td', {}, d.type),
          h('td', {}, time(d.deadline)),
          h('td', { class: 'n' + (d.overdue ? ' alarm' : '') }, d.overdue ? 'overdue' : num(d.daysLeft)))))));
}

function deadLetterTable(rows) {
  return h('section', { class: 'card wider', 'aria-labelledby': 'dlq-title' },
    h('h2', { id: 'dlq-title' }, 'Dead letters'),
    rows === null ? h('p', { class: 'error' }, 'Kafka did not answer in time: dead letters not counted now.') :
    h('table', { 'data-testid': 'dead-letters' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Topic'), h('th', { scope: 'col', class: 'n' }, 'Waiting'),
        h('th', { scope: 'col', class: 'n' }, 'Held'), viewer.canAct ? h('th', { scope: 'col' }, h('span', { class: 'sr' }, 'Action')) : null)),
      h('tbody', {}, rows.map(d => h('tr', {},
        h('th', { scope: 'row' }, h('code', {}, d.topic.replace(/^consent\./, ''))),
        h('td', { class: 'n' + (d.waiting ? ' alarm' : '') }, num(d.waiting)),
        h('td', { class: 'n' }, num(d.held)),
        viewer.canAct ? h('td', {}, d.waiting ? h('button', {
          type: 'button', 'data-focus': 'replay-' + d.topic,
          onclick: () => act({
            title: 'Replay ' + d.topic, text: 'Send its ' + num(d.waiting) + ' waiting dead letters back to the topic '
              + 'they came from. Do this only once the cause is fixed.', button: 'Replay', note: false,
            path: '/v1/ops/dead-letters/replay?topic=' + encodeURIComponent(d.topic),
            done: r => 'Replayed ' + r.replayed + ' dead letters from ' + d.topic + '.',
          }),
        }, 'Replay') : null) : null)))));
}

/** A bar chart in SVG with its numbers in a table beside it for screen readers and keyboard users. */
function chart(title, id, points, series, bucketSeconds, format) {
  const width = 640, height = 160, left = 44, bottom = 22;
  const max = Math.max(1e-9, ...points.flatMap(p => series.map(s => p[s.key] || 0)));
  const step = (width - left) / points.length;
  const y = v => height - bottom - (v / max) * (height - bottom - 8);
  const bars = series.map(s => points.map((p, i) => p[s.key] ? svg('rect', {
    class: s.cls, x: left + i * step + 1, y: y(p[s.key]), width: Math.max(1, step - 2),
    height: height - bottom - y(p[s.key]),
  }, svg('title', {}, shortTime.format(new Date(p.at)) + ': ' + format(p[s.key]) + ' ' + s.label)) : null));
  const ticks = [0, Math.floor(points.length / 2), points.length - 1].map(i => svg('text', {
    x: left + i * step + step / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis' },
  shortTime.format(new Date(points[i].at))));
  const total = points.reduce((sum, p) => sum + (p[series[series.length - 1].key] ? 1 : 0), 0);
  const summary = title + ' over the last ' + Math.round(points.length * bucketSeconds / 3600) + ' hours, '
    + (bucketSeconds / 60) + '-minute bars; highest ' + format(max === 1e-9 ? 0 : max) + '; '
    + total + ' of ' + points.length + ' bars with data.';
  return h('section', { class: 'card wide', 'aria-labelledby': id + '-title' },
    h('h2', { id: id + '-title' }, title),
    h('figure', {},
      svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, class: 'chart' },
        svg('line', { x1: left, x2: width, y1: height - bottom, y2: height - bottom, class: 'axis-line' }),
        svg('text', { x: left - 6, y: 14, 'text-anchor': 'end', class: 'axis' }, format(max === 1e-9 ? 0 : max)),
        svg('text', { x: left - 6, y: height - bottom, 'text-anchor': 'end', class: 'axis' }, '0'),
        bars, ticks),
      h('figcaption', {}, series.length > 1 ? series.map(s => h('span', { class: 'key ' + s.cls }, s.label)) : null,
        h('details', {}, h('summary', {}, 'Numbers'),
          h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'From'),
            series.map(s => h('th', { scope: 'col', class: 'n' }, s.label)))),
          h('tbody', {}, points.filter(p => series.some(s => p[s.key])).map(p => h('tr', {},
            h('td', {}, time(p.at)), series.map(s => h('td', { class: 'n' }, p[s.key] == null ? '—' : format(p[s.key])))))))))));
}

function workList(title, id, rows, hint) {
  return h('section', { class: 'card', 'aria-labelledby': id + '-title', 'data-testid': 'work-' + id },
    h('h2', { id: id + '-title' }, title, ' ', h('span', { class: 'count' }, num(rows.length))),
    h('p', { class: 'muted' }, hint),
    rows.length === 0 ? h('p', { class: 'empty' }, 'Nothing here.') :
      h('table', {},
        h('thead', {}, h('tr', {}, ['Subject', 'Processor', 'Purpose', 'Action', 'Status', 'Deadline', 'Attempts',
          'Detail'].map(c => h('th', { scope: 'col' }, c)),
        viewer.canAct ? h('th', { scope: 'col' }, h('span', { class: 'sr' }, 'Actions')) : null)),
        h('tbody', {}, rows.map(r => h('tr', { 'data-directive': r.directiveId },
          h('td', {}, subjectLink(r.subjectId)), h('td', {}, r.processor), h('td', {}, r.purpose),
          h('td', {}, r.action), h('td', {}, badge(r.status), r.overdue ? [' ', badge('overdue')] : null),
          h('td', {}, time(r.deadline)), h('td', { class: 'n' }, num(r.attempts)), h('td', { class: 'detail' }, r.detail || ''),
          viewer.canAct ? h('td', { class: 'actions' }, actionButtons(r, id)) : null)))));
}

// ---- actions -------------------------------------------------------------------------------------------------------

function actionButtons(p, where) {
  const buttons = [];
  if (p.status === 'AWAITING_MANUAL') {
    buttons.push(h('button', { type: 'button', class: 'primary', 'data-focus': where + '-confirm-' + p.directiveId,
      onclick: () => act({
        title: 'Confirm the ' + ACTION_NOUN[p.action] + ' at ' + p.processor,
        text: 'Confirm that ' + p.processor + ' carried out the ' + ACTION_NOUN[p.action] + ' for subject '
          + p.subjectId + ' (' + p.purpose + '). The propagation is closed as CONFIRMED with your note.',
        button: 'Confirm ' + ACTION_NOUN[p.action], note: true,
        path: '/v1/ops/propagations/' + p.directiveId + '/confirm',
        done: () => 'Confirmed at ' + p.processor + ' for ' + p.subjectId + '.',
      }) }, 'Confirm…'));
  }
  if (p.status === 'FAILED' || (p.status === 'PENDING' && p.overdue)) {
    buttons.push(h('button', { type: 'button', 'data-focus': where + '-retry-' + p.directiveId,
      onclick: () => act({
        title: 'Retry at ' + p.processor,
        text: 'Issue the ' + ACTION_NOUN[p.action] + ' for subject ' + p.subjectId + ' (' + p.purpose + ') to '
          + p.processor + ' again, with the identifiers known now.',
        button: 'Retry', note: false,
        path: '/v1/ops/propagations/' + p.directiveId + '/retry',
        done: () => 'Re-issued to ' + p.processor + ' for ' + p.subjectId + '.',
      }) }, 'Retry…'));
  }
  return buttons;
}

/** Asks before acting; a confirmation needs a note, which is stored with it. */
function act(action) {
  const dialog = document.getElementById('confirm-dialog');
  const note = document.getElementById('dialog-note');
  const error = document.getElementById('dialog-error');
  const opener = document.activeElement;
  document.getElementById('dialog-title').textContent = action.title;
  document.getElementById('dialog-text').textContent = action.text;
  document.getElementById('dialog-ok').textContent = action.button;
  document.getElementById('note-field').hidden = !action.note;
  // checked here, with a message in the dialog, rather than by the browser's own bubble
  note.setAttribute('aria-required', String(action.note));
  note.value = '';
  error.textContent = '';
  const form = document.getElementById('dialog-form');
  form.onsubmit = async event => {
    event.preventDefault();
    if (action.note && !note.value.trim()) {
      error.textContent = 'Write a note: who confirmed it and where.';
      note.focus();
      return;
    }
    try {
      const result = await api(action.path, { method: 'POST', body: action.note ? { note: note.value.trim() } : undefined });
      dialog.close();
      say(action.done(result));
      await route();
    } catch (e) {
      error.textContent = e.status === 403 ? 'Your token does not allow this: it needs the ops role.' : e.message;
    }
  };
  document.getElementById('dialog-cancel').onclick = () => dialog.close();
  dialog.onclose = () => { if (opener && document.contains(opener)) opener.focus(); };
  dialog.showModal();
  (action.note ? note : document.getElementById('dialog-ok')).focus();
}

// ---- a subject's timeline --------------------------------------------------------------------------------------------

async function showTimeline(subjectId, firstLoad, gen) {
  const [t, overview] = await Promise.all([
    api('/v1/subjects/' + encodeURIComponent(subjectId) + '/timeline'),
    viewer ? Promise.resolve({ viewer }) : api('/v1/ops/overview?hours=1')]);
  if (gen !== generation) return;
  showViewer(overview.viewer);
  if (firstLoad) document.title = subjectId + ' · Consent console';
  const byChange = new Map();
  t.propagations.forEach(p => {
    if (!byChange.has(p.changeId)) byChange.set(p.changeId, []);
    byChange.get(p.changeId).push(p);
  });
  const requests = new Map(t.requests.map(r => [r.requestId, r]));
  // values revealed stay shown across refreshes of the same subject, never carried to another
  const revealed = firstLoad ? null : document.getElementById('revealed');
  render([
    h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('a', { href: '#/' }, 'Overview'), ' › ', 'Subject'),
    h('div', { class: 'heading' }, h('h1', {}, 'Subject ', h('code', {}, t.subjectId)),
      h('p', { class: 'muted' }, viewer.canAct ? '' : 'Read-only: acting needs the ops role.')),
    identifiersPanel(t, revealed),
    requestsTable(t.requests),
    h('section', { 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, 'Timeline'),
      t.history.length === 0 ? h('p', { class: 'empty' }, 'Nothing recorded for this subject.') :
        h('ol', { class: 'timeline', 'data-testid': 'timeline' }, t.history.slice().reverse().map(e =>
          historyItem(e, byChange.get(e.changeId) || [], e.requestId ? requests.get(e.requestId) : null)))),
  ], firstLoad, gen);
}

function identifiersPanel(t, revealedBefore) {
  const held = t.identifiers;
  const body = held.length === 0
    ? h('p', { 'data-testid': 'identifiers-none' }, t.identifiersPurgedAt
      ? ['None held: purged ', time(t.identifiersPurgedAt), '.'] : 'None held.')
    : h('ul', { class: 'identifiers', 'data-testid': 'identifiers' }, held.map(i => h('li', {},
      h('strong', {}, i.type), ': ', i.values === 1 ? '1 value' : num(i.values) + ' values', ' (hidden), last seen ',
      time(i.lastSeenAt))));
  const revealed = revealedBefore || h('div', { id: 'revealed', 'aria-live': 'polite' });
  return h('section', { class: 'card', 'aria-labelledby': 'identifiers-title' },
    h('h2', { id: 'identifiers-title' }, 'Identifiers'), body,
    held.length ? h('button', { type: 'button', 'data-focus': 'reveal', onclick: () => reveal(t.subjectId, revealed) },
      'Reveal values') : null,
    held.length ? h('p', { class: 'muted' }, 'Revealing reads the subject\'s export; the read is audited.') : null,
    revealed);
}

async function reveal(subjectId, target) {
  try {
    const exported = await api('/v1/subjects/' + encodeURIComponent(subjectId) + '/export');
    target.replaceChildren(h('dl', { class: 'revealed' }, Object.entries(exported.identifiers || {}).map(([type, values]) =>
      [h('dt', {}, type), values.map(v => h('dd', {}, h('code', {}, v.value), ' seen ', time(v.firstSeenAt), ' – ',
        time(v.lastSeenAt)))])));
    say('Identifier values shown.');
  } catch (e) {
    showError(e);
  }
}

function requestsTable(requests) {
  return h('section', { class: 'card', 'aria-labelledby': 'requests-title' },
    h('h2', { id: 'requests-title' }, 'Rights requests'),
    requests.length === 0 ? h('p', { class: 'empty' }, 'None.') :
      h('table', { 'data-testid': 'requests' },
        h('thead', {}, h('tr', {}, ['Type', 'Received', 'Deadline', 'Status', 'At each processor', 'Identifiers purged']
          .map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, requests.map(r => h('tr', { 'data-request': r.requestId },
          h('td', {}, r.type), h('td', {}, time(r.receivedAt)), h('td', {}, time(r.deadline)),
          h('td', {}, badge(r.status), r.overdue ? [' ', badge('overdue')] : null),
          h('td', {}, Object.entries(r.processors).map(([p, s]) => h('span', { class: 'pair' }, p, ' ', badge(s)))),
          h('td', {}, time(r.identifiersPurgedAt)))))));
}

function historyItem(e, propagations, request) {
  if (e.kind === 'IDENTIFIERS_PURGED') {
    return h('li', { class: 'event purge' }, h('div', { class: 'when' }, time(e.recordedAt)),
      h('div', {}, h('strong', {}, 'Identifiers purged'), ' after the erasure: every value held was deleted.'));
  }
  const what = e.kind === 'DECISION' ? (e.decision || '') + ' ' + e.purpose : e.kind + ' → ' + (e.decision || '')
    + ' ' + e.purpose;
  return h('li', { class: 'event' + (e.inForce === false ? ' stale' : ''), 'data-change': e.changeId },
    h('div', { class: 'when' }, time(e.occurredAt)),
    h('div', {},
      h('p', {}, h('strong', {}, what), e.inForce === false ? [' ', badge('not in force')] : null),
      h('p', { class: 'muted' }, 'source ', h('code', {}, e.source), e.policyVersion ? [' · policy ', h('code', {},
        e.policyVersion)] : null, ' · version ', e.version, ' · recorded ', time(e.recordedAt),
      request ? [' · request ', request.type.toLowerCase(), ' ', badge(request.status)] : null),
      propagations.length === 0 ? null : h('table', { class: 'propagations' },
        h('thead', {}, h('tr', {}, ['Processor', 'Action', 'Status', 'Updated', 'Attempts', 'Receipt', 'Evidence']
          .map(c => h('th', { scope: 'col' }, c)), viewer.canAct ? h('th', { scope: 'col' }, h('span', { class: 'sr' }, 'Actions')) : null)),
        h('tbody', {}, propagations.map(p => h('tr', { 'data-directive': p.directiveId },
          h('td', {}, p.processor), h('td', {}, p.action),
          h('td', {}, badge(p.status), p.overdue ? [' ', badge('overdue')] : null),
          h('td', {}, time(p.updatedAt)), h('td', { class: 'n' }, num(p.attempts)),
          h('td', { class: 'detail' }, p.detail || '', p.proof && p.proof.verification
            ? [' ', badge(p.proof.verification)] : null, p.proof && p.proof.note ? [' ', p.proof.note] : null),
          h('td', { class: 'detail' }, evidenceList(p.proof && p.proof.evidence)),
          viewer.canAct ? h('td', { class: 'actions' }, actionButtons(Object.assign({}, p, { subjectId: currentSubject() }),
            'timeline')) : null))))));
}

function evidenceList(evidence) {
  if (!evidence || evidence.length === 0) return '—';
  return h('ul', { class: 'evidence' }, evidence.map(r => h('li', {}, h('code', {}, r.check), ': ', r.answer, ' (',
    time(r.checkedAt), ')')));
}

function currentSubject() {
  const m = location.hash.match(/^#\/subject\/(.+)$/);
  return m ? decodeURIComponent(m[1]) : '';
}

// ---- start -----------------------------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('sign-in-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
    document.getElementById('token').value = '';
    route();
  });
  document.getElementById('subject-search').addEventListener('submit', event => {
    event.preventDefault();
    const input = document.getElementById('subject-id');
    location.hash = '#/subject/' + encodeURIComponent(input.value.trim());
  });
  window.addEventListener('hashchange', route);
  route();
});
