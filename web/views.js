// views.js — the overview's panels drawn from the page state (app.js owns the state and calls
// these after each change): the tiles, the service list, the workflow table and the event feed.

import {el, fill, pill, clock, ago, duration, shortId} from './dom.js';

const DONE_STEPS = new Set(['completed', 'skipped']);
const FINISHED_RUNS = new Set(['completed', 'failed', 'rolled_back', 'cancelled']);

export const WORKFLOW_FILTERS = {
  all: () => true,
  running: (run) => !FINISHED_RUNS.has(run.status),
  completed: (run) => run.status === 'completed',
  failed: (run) => run.status === 'failed' || run.status === 'rolled_back' || run.status === 'cancelled',
};

function tile(label, value, detail, tone) {
  return el('div', {class: `tile ${tone || ''}`}, el('div', {class: 'tile-label'}, label),
            el('div', {class: 'tile-value'}, value), el('div', {class: 'tile-detail'}, detail));
}

export function renderTiles(root, state, now) {
  const services = [...state.services.values()];
  const up = services.filter((s) => s.status === 'up').length;
  const restarts = services.reduce((sum, s) => sum + (s.restarts || 0), 0);
  const runs = [...state.workflows.values()];
  const running = runs.filter(WORKFLOW_FILTERS.running).length;
  const recent = state.finished.filter((f) => f.time > now - 5 * 60000);
  const completed = recent.filter((f) => f.status === 'completed').length;
  const failed = recent.length - completed;
  fill(root,
       tile('Services up', `${up}/${services.length}`, restarts ? `${restarts} restart(s) so far` : 'no restarts',
            up === services.length ? 'good' : 'warn'),
       tile('Running workflows', running, `${runs.length} in the list`, running ? 'busy' : ''),
       tile('Completed', completed, 'in the last 5 min', 'good'),
       tile('Failed or rolled back', failed, 'in the last 5 min', failed ? 'bad' : ''),
       tile('Events', state.seq, state.seq ? `last at ${clock(state.lastEventTime)}` : 'none yet', ''));
}

export function renderServices(root, state, onSelect) {
  const services = [...state.services.values()].sort((a, b) => a.name.localeCompare(b.name));
  fill(root, services.map((s) =>
    el('li', {class: `service status-${s.status}`, tabindex: 0, dataset: {service: s.name},
              onclick: () => onSelect(s.name), onkeydown: (e) => e.key === 'Enter' && onSelect(s.name)},
       el('span', {class: 'dot'}),
       el('span', {class: 'service-name'}, s.name),
       s.restarts ? el('span', {class: 'restarts', title: 'restarts'}, `↻ ${s.restarts}`) : null,
       pill(s.status))));
}

// One segment per step, coloured by its status: progress and where it went wrong at a glance.
export function stepBar(run) {
  if (!run.steps) return el('div', {class: 'stepbar unknown'}, el('span', {class: 'muted'}, '…'));
  const done = run.steps.filter((s) => DONE_STEPS.has(s.status)).length;
  return el('div', {class: 'progress', title: `${done} of ${run.steps.length} steps done`},
            el('div', {class: 'stepbar'}, run.steps.map((s) => el('span', {class: `seg status-${s.status}`, title: `${s.id}: ${s.status}`}))),
            el('span', {class: 'progress-text'}, `${done}/${run.steps.length}`));
}

export function renderWorkflows(root, state, filter, onSelect, now) {
  const runs = [...state.workflows.values()].filter(WORKFLOW_FILTERS[filter])
    .sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id)).slice(0, 40);
  if (!runs.length) {
    fill(root, el('tr', {class: 'empty'}, el('td', {colspan: 5}, 'No workflows yet: start one from a template.')));
    return;
  }
  fill(root, runs.map((run) => {
    const end = run.finished_at || (FINISHED_RUNS.has(run.status) ? run.created_at : now);
    return el('tr', {dataset: {id: run.id, status: run.status}, tabindex: 0,
                     class: `${state.selected?.id === run.id ? 'selected' : ''} ${state.fresh.has(run.id) ? 'fresh' : ''}`,
                     onclick: () => onSelect(run.id), onkeydown: (e) => e.key === 'Enter' && onSelect(run.id)},
              el('td', {}, el('div', {class: 'wf-name'}, run.template || run.name),
                 el('div', {class: 'wf-id mono'}, shortId(run.id), run.tenant && run.tenant !== 'default' ? ` · ${run.tenant}` : '')),
              el('td', {class: 'status'}, pill(run.status)),
              el('td', {}, stepBar(run)),
              el('td', {class: 'muted', title: new Date(run.created_at).toLocaleString()}, ago(run.created_at, now)),
              el('td', {class: 'num'}, duration(end - run.created_at)));
  }));
}

const TOPIC_TONE = [['workflow.completed', 'good'], ['workflow.failed', 'bad'], ['workflow.rolled_back', 'bad'],
                    ['workflow.step.failed', 'bad'], ['workflow.step.retrying', 'warn'], ['workflow.compensating', 'warn'],
                    ['service.failed', 'bad'], ['service.down', 'bad'], ['service.restarted', 'warn'],
                    ['service.recovered', 'good'], ['fault', 'bad'], ['gap', 'warn']];

function toneOf(topic) {
  return TOPIC_TONE.find(([prefix]) => topic.startsWith(prefix))?.[1] || '';
}

function describe(event) {
  const d = event.data || {};
  const parts = [];
  if (d.workflow) parts.push(d.template || d.name || '', shortId(d.workflow));
  if (d.step) parts.push(`step ${d.step}${d.attempt > 1 ? ` (attempt ${d.attempt})` : ''}`);
  if (d.service) parts.push(d.service);
  if (d.restarts) parts.push(`restart #${d.restarts}`);
  if (d.error) parts.push(`${d.error.code}: ${d.error.message}`);
  else if (d.reason) parts.push(d.reason);
  return parts.filter(Boolean).join(' · ');
}

export function renderFeed(root, state, onSelectWorkflow) {
  fill(root, state.feed.map((event) => {
    const workflow = event.data?.workflow;
    return el('li', {class: `event ${toneOf(event.topic)} ${workflow ? 'link' : ''}`,
                     onclick: workflow ? () => onSelectWorkflow(workflow) : undefined},
              el('time', {class: 'mono'}, event.time ? clock(event.time) : ''),
              el('span', {class: 'topic'}, event.topic),
              el('span', {class: 'event-text'}, describe(event)));
  }));
}
