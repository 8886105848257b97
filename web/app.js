// app.js — the dashboard: asks for the key, loads the node's state once (services, graph,
// workflows, templates), then keeps it current from the event stream: each event goes to the
// feed and the charts, and re-reads the one workflow or service it is about.

import {api, AuthError, ApiError, savedKey, saveKey, forgetKey} from './api.js';
import {EventStream} from './live.js';
import {el, fill} from './dom.js';
import {drawGraph} from './graph.js';
import {throughputChart, latencyChart} from './charts.js';
import {renderTiles, renderServices, renderWorkflows, renderFeed} from './views.js';
import {renderWorkflowDetail, renderServiceDetail} from './detail.js';
import {mountStartForm} from './start_form.js';

const FEED_MAX = 200;
const LATENCY_MAX = 2000;
const FINISHED_MAX = 5000;
const REFRESH_DELAY_MS = 120;  // events of one run come in bursts: read the run once per burst

const $ = (id) => document.getElementById(id);

const state = {
  services: new Map(),   // name -> GET /v1/services entry
  graph: null,           // GET /v1/services/graph
  workflows: new Map(),  // id -> summary, or the full run once read
  feed: [],              // newest first
  finished: [],          // {time, status} of runs that ended, for throughput
  latencies: [],         // {ms} of finished steps, newest last
  stepStarts: new Map(), // "run/step" -> time the step started
  fresh: new Set(),      // runs started from this page, highlighted in the list
  seq: 0,
  lastEventTime: 0,
  bootSeq: 0,            // events up to this one are history: they feed charts, not refreshes
  selected: null,        // {kind: 'workflow'|'service', id}
  filter: 'all',
};
let stream = null;
let renderQueued = false;
const pending = new Map();  // "kind:id" -> timer of a queued re-read

// ---- the key ----

function askKey(message) {
  stream?.stop();
  stream = null;
  setConnection('offline', 'no key');
  fill($('key-error'), message || '');
  $('key-input').value = '';
  if (!$('key-dialog').open) $('key-dialog').showModal();
  $('key-input').focus();
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('key-input').value.trim();
  if (!key) return;
  saveKey(key, $('key-remember').checked);
  $('key-dialog').close();
  boot();
});
$('key-dialog').addEventListener('cancel', (event) => event.preventDefault());  // no key, no page
$('change-key').addEventListener('click', () => {
  forgetKey();
  askKey();
});

// ---- errors ----

function showBanner(message, retry) {
  const banner = $('banner');
  fill(banner, el('span', {}, message), retry ? el('button', {class: 'ghost', onclick: retry}, 'Retry now') : null);
  banner.hidden = false;
}

function hideBanner() {
  $('banner').hidden = true;
}

function handleError(error) {
  if (error instanceof AuthError) {
    forgetKey();
    askKey(`The node refused this key (${error.message}).`);
  } else if (error instanceof ApiError) {
    showBanner(error.message);
  } else {
    showBanner(`Unexpected error: ${error.message}`);
    console.error(error);
  }
}

window.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  handleError(event.reason);
});

function setConnection(kind, text) {
  const conn = $('conn');
  conn.className = `conn ${kind}`;
  fill(conn, el('i', {}), text);
}

// ---- loading and live updates ----

async function boot() {
  if (!savedKey()) return askKey();
  stream?.stop();
  setConnection('connecting', 'loading');
  let loaded;
  try {
    loaded = await Promise.all([
      api('/v1/services'), api('/v1/services/graph'), api('/v1/workflows?limit=50'),
      api('/v1/templates'), api('/v1/events?limit=0'),
      fetch('/health').then((r) => r.json()).catch(() => ({})),
    ]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 0) {
      setConnection('offline', 'node unreachable');
      showBanner('The node does not answer; trying again in 3 s.', boot);
      setTimeout(() => savedKey() && !stream && boot(), 3000);
      return;
    }
    return handleError(error);
  }
  const [services, graph, workflows, templates, events, health] = loaded;
  hideBanner();
  fill($('node-name'), health.node ? `node ${health.node}` : '');
  state.services = new Map(services.services.map((s) => [s.name, s]));
  state.graph = graph;
  state.workflows = new Map(workflows.workflows.map((w) => [w.id, w]));
  Object.assign(state, {feed: [], finished: [], latencies: [], seq: 0, bootSeq: events.last_seq});
  state.stepStarts.clear();
  mountStartForm($('start'), templates.templates, onStarted);
  renderAll();
  // The newest runs get their steps read, for their progress bars.
  [...state.workflows.keys()].slice(0, 20).forEach((id) => refresh('workflow', id, 0));
  // Since 0: the node's ring replays its recent history first (feed, charts), then live.
  stream = new EventStream({key: savedKey, onEvent, onState});
  stream.start(0);
}

function onState(kind, close, reconnected) {
  if (kind === 'live') {
    setConnection('live', 'live');
    hideBanner();
    if (reconnected) checkRestarted();
  } else if (kind === 'connecting') {
    setConnection('connecting', 'connecting');
  } else {
    setConnection('reconnecting', 'reconnecting');
    showBanner(`Lost the event stream${close?.reason ? ` (${close.reason})` : ''}; reconnecting from event ${stream?.lastSeq ?? 0}.`);
    // A handshake refused for the key looks like any other drop to a browser: ask the API.
    api('/v1/services').catch((e) => e instanceof AuthError && handleError(e));
  }
}

// A node that restarted numbers its events from 1 again, so since=<our last seq> would skip
// them: then read everything again and follow the new numbering from its start.
async function checkRestarted() {
  try {
    const {last_seq: nodeSeq} = await api('/v1/events?limit=0');
    if (nodeSeq >= state.seq) return;
    Object.assign(state, {seq: 0, bootSeq: 0});
    state.stepStarts.clear();
    stream.restartFrom(0);
    resync();
  } catch (error) {
    handleError(error);
  }
}

function stepKey(d) {
  return `${d.workflow}/${d.step}`;
}

function onEvent(event) {
  if (event.topic === 'gap') {
    // Missed more than the ring holds: what is missed in the feed is lost, the lists are re-read.
    if (event.data?.since > 0) resync();
    return;
  }
  state.seq = Math.max(state.seq, event.seq);
  state.lastEventTime = event.time;
  state.feed.unshift(event);
  if (state.feed.length > FEED_MAX) state.feed.length = FEED_MAX;
  const d = event.data || {};
  const topic = event.topic;
  if (topic.startsWith('workflow.')) {
    if (topic === 'workflow.step.started') {
      state.stepStarts.set(stepKey(d), event.time);
    } else if (topic === 'workflow.step.completed' || topic === 'workflow.step.failed' || topic === 'workflow.step.retrying') {
      const started = state.stepStarts.get(stepKey(d));
      if (started !== undefined) {
        state.latencies.push({ms: event.time - started});
        if (state.latencies.length > LATENCY_MAX) state.latencies.splice(0, state.latencies.length - LATENCY_MAX);
        state.stepStarts.delete(stepKey(d));
      }
    } else if (['workflow.completed', 'workflow.failed', 'workflow.rolled_back', 'workflow.cancelled'].includes(topic)) {
      state.finished.push({time: event.time, status: topic.slice('workflow.'.length)});
      if (state.finished.length > FINISHED_MAX) state.finished.splice(0, state.finished.length - FINISHED_MAX);
    }
    if (event.seq > state.bootSeq && d.workflow) refresh('workflow', d.workflow);
  } else if (topic.startsWith('service.') && event.seq > state.bootSeq && d.service) {
    refresh('service', d.service);
  }
  queueRender();
}

// Re-reads one run or service shortly (once per burst of events about it).
function refresh(kind, id, delay = REFRESH_DELAY_MS) {
  const key = `${kind}:${id}`;
  if (pending.has(key)) return;
  pending.set(key, setTimeout(async () => {
    pending.delete(key);
    try {
      if (kind === 'workflow') {
        state.workflows.set(id, await api(`/v1/workflows/${encodeURIComponent(id)}`));
      } else {
        const service = await api(`/v1/services/${encodeURIComponent(id)}`);
        state.services.set(id, {...state.services.get(id), ...service});
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return;
      return handleError(error);
    }
    if (state.selected?.kind === kind && state.selected.id === id) showDetail(kind, id);
    queueRender();
  }, delay));
}

async function resync() {
  try {
    const [services, workflows] = await Promise.all([api('/v1/services'), api('/v1/workflows?limit=50')]);
    for (const s of services.services) state.services.set(s.name, {...state.services.get(s.name), ...s});
    for (const w of workflows.workflows) state.workflows.set(w.id, {...state.workflows.get(w.id), ...w});
    queueRender();
  } catch (error) {
    handleError(error);
  }
}

function onStarted(id, open) {
  state.fresh.add(id);
  refresh('workflow', id, 0);
  if (open) select('workflow', id);
}

// ---- drawing ----

function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderAll();
  });
}

function renderAll() {
  const now = Date.now();
  renderTiles($('tiles'), state, now);
  renderServices($('services'), state, (name) => select('service', name));
  fill($('graph'), drawGraph(state.graph, (name) => state.services.get(name)?.status, (name) => select('service', name)));
  renderWorkflows($('workflows'), state, state.filter, (id) => select('workflow', id), now);
  fill($('throughput'), throughputChart(state.finished, now));
  fill($('latency'), latencyChart(state.latencies));
  renderFeed($('feed'), state, (id) => select('workflow', id));
}

for (const button of document.querySelectorAll('#workflow-filter button')) {
  button.addEventListener('click', () => {
    state.filter = button.dataset.filter;
    for (const b of document.querySelectorAll('#workflow-filter button')) b.setAttribute('aria-pressed', String(b === button));
    queueRender();
  });
}

// ---- the side panel ----

function select(kind, id) {
  state.selected = {kind, id};
  showDetail(kind, id);
  queueRender();
}

function closeDetail() {
  state.selected = null;
  $('drawer').hidden = true;
  queueRender();
}

async function showDetail(kind, id) {
  const drawer = $('drawer');
  try {
    if (kind === 'workflow') {
      const path = `/v1/workflows/${encodeURIComponent(id)}`;
      const [run, history] = await Promise.all([api(path), api(`${path}/history`)]);
      if (state.selected?.id !== id) return;
      renderWorkflowDetail(drawer, run, history, {
        now: Date.now(), onClose: closeDetail,
        onCancel: () => api(`${path}/cancel`, {method: 'POST', body: {reason: 'cancelled from the dashboard'}})
          .then(() => refresh('workflow', id, 0), handleError),
      });
    } else {
      const service = await api(`/v1/services/${encodeURIComponent(id)}`);
      if (state.selected?.id !== id) return;
      renderServiceDetail(drawer, service, state.graph, {onSelectService: (name) => select('service', name), onClose: closeDetail});
    }
    drawer.hidden = false;
  } catch (error) {
    handleError(error);
  }
}

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state.selected && !$('key-dialog').open) closeDetail();
});

// Relative times and the throughput window move on even when no event arrives.
setInterval(() => savedKey() && queueRender(), 5000);

boot();
