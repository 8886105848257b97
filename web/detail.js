// detail.js — the side panel: one workflow (its steps on a timeline, its journal, input and
// output) or one service (health, actions, what it depends on and what depends on it).

import {el, fill, pill, clock, duration} from './dom.js';

function field(label, value) {
  return el('div', {class: 'field'}, el('dt', {}, label), el('dd', {}, value ?? '—'));
}

function json(label, value) {
  if (value === undefined || value === null) return null;
  return el('details', {class: 'json'}, el('summary', {}, label), el('pre', {}, JSON.stringify(value, null, 2)));
}

function header(title, subtitle, status, onClose) {
  return el('header', {class: 'drawer-head'},
            el('div', {}, el('h2', {}, title), el('div', {class: 'mono muted'}, subtitle)),
            el('div', {class: 'drawer-actions'}, status ? pill(status) : null,
               el('button', {class: 'ghost icon', title: 'Close (Esc)', 'aria-label': 'Close', onclick: onClose}, '✕')));
}

// Each step as a bar on the run's time axis: what ran in parallel, what took long.
function timeline(run, now) {
  const start = run.created_at;
  const end = Math.max(run.finished_at || now, ...run.steps.map((s) => s.finished_at || 0), start + 1);
  const span = end - start;
  return el('ol', {class: 'timeline'}, run.steps.map((step) => {
    const from = step.started_at ? step.started_at - start : null;
    const to = (step.finished_at || (step.started_at ? now : null)) - start;
    const bar = from === null ? null
      : el('span', {class: `span status-${step.status}`});
    if (bar) {
      bar.style.left = `${(100 * from) / span}%`;
      bar.style.width = `${Math.max(0.8, (100 * (to - from)) / span)}%`;
    }
    return el('li', {class: 'step', dataset: {step: step.id, status: step.status}},
              el('div', {class: 'step-head'},
                 el('strong', {}, step.id),
                 el('span', {class: 'muted'}, step.service ? ` ${step.service}.${step.action}` : ` ${step.kind}`),
                 el('span', {class: 'step-right'},
                    step.attempts > 1 ? el('span', {class: 'muted'}, `${step.attempts} attempts `) : null,
                    el('span', {class: 'num'}, step.started_at ? duration(to - from) : ''), pill(step.status))),
              el('div', {class: 'track'}, bar),
              step.error ? el('div', {class: 'error-text'}, `${step.error.code}: ${step.error.message}`) : null);
  }));
}

function journal(run, history) {
  const start = run.created_at;
  return el('ol', {class: 'journal'}, history.events.map((e) =>
    el('li', {}, el('span', {class: 'mono muted'}, `+${e.time - start} ms`),
       el('span', {class: 'kind'}, e.kind.replaceAll('_', ' ')),
       el('span', {}, [e.step, e.attempt > 1 ? `attempt ${e.attempt}` : null,
                       e.error_code ? `${e.error_code}: ${e.error_message || ''}` : null].filter(Boolean).join(' · ')))));
}

export function renderWorkflowDetail(root, run, history, {onCancel, onClose, now}) {
  const running = !['completed', 'failed', 'rolled_back', 'cancelled'].includes(run.status);
  fill(root,
       header(run.template || run.name, run.id, run.status, onClose),
       el('dl', {class: 'fields'},
          field('Tenant', run.tenant), field('Started', clock(run.created_at)),
          field('Finished', run.finished_at ? clock(run.finished_at) : null),
          field('Duration', duration((run.finished_at || now) - run.created_at)),
          field('Parent', run.parent)),
       run.error ? el('div', {class: 'error-box'}, `${run.error.code || 'error'}: ${run.error.message || ''}`) : null,
       running ? el('button', {class: 'danger', onclick: onCancel}, 'Cancel workflow') : null,
       el('h3', {}, `Steps (${run.steps.length})`), timeline(run, now),
       json('Input', run.input), json('Output', run.output),
       history ? el('h3', {}, `History (${history.events.length} events)`) : null,
       history ? journal(run, history) : null);
}

function chips(names, onClick) {
  if (!names?.length) return el('span', {class: 'muted'}, 'none');
  return el('div', {class: 'chips'}, names.map((n) => onClick ? el('button', {class: 'chip', onclick: () => onClick(n)}, n)
                                                             : el('span', {class: 'chip'}, n)));
}

export function renderServiceDetail(root, service, graph, {onSelectService, onClose}) {
  const usedBy = (graph?.edges || []).filter((e) => e.to === service.name).map((e) => e.from);
  const h = service.health || {};
  fill(root,
       header(service.name, 'service', service.status, onClose),
       el('dl', {class: 'fields'},
          field('Restarts', service.restarts),
          field('Up since', service.up_since ? clock(service.up_since) : null),
          field('Uptime', h.uptime_ms !== undefined ? duration(h.uptime_ms) : null),
          field('Executes', h.executes), field('Errors', h.errors), field('Mailbox', h.mailbox),
          service.next_restart_at ? field('Next restart', clock(service.next_restart_at)) : null),
       service.last_error || h.last_error ? el('div', {class: 'error-box'}, service.last_error || h.last_error) : null,
       el('h3', {}, 'Depends on'), chips(service.depends_on, onSelectService),
       el('h3', {}, 'Used by'), chips(usedBy, onSelectService),
       el('h3', {}, `Actions (${service.actions?.length || 0})`), chips(service.actions));
}
