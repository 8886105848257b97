// charts.js — the two charts, hand-drawn as SVG (bars are all they need, so no chart library):
// workflow throughput (runs finished per time slot, by outcome) and step latency (a histogram
// of step durations with its percentiles). Both are computed from the event stream.

import {el, svg, duration} from './dom.js';

const WIDTH = 480;
const HEIGHT = 160;
const PAD = {left: 30, right: 8, top: 10, bottom: 22};

// Rounds up to 1, 2 or 5 times a power of ten, so the axis reads well.
function niceMax(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value);
}

function frame(max, xLabels) {
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const root = svg('svg', {class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img'});
  for (const fraction of [0, 0.5, 1]) {
    const y = PAD.top + plotH * (1 - fraction);
    root.append(svg('line', {class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y}),
                svg('text', {class: 'axis', x: PAD.left - 5, y: y + 3.5, 'text-anchor': 'end'},
                    Number.isInteger(max * fraction) ? max * fraction : (max * fraction).toFixed(1)));
  }
  for (const {x, text, anchor} of xLabels) {
    root.append(svg('text', {class: 'axis', x, y: HEIGHT - 6, 'text-anchor': anchor || 'middle'}, text));
  }
  return root;
}

function legend(items) {
  return el('div', {class: 'legend'},
            items.map(([cls, text]) => el('span', {}, el('i', {class: `swatch ${cls}`}), text)));
}

const OUTCOMES = [['completed', 'completed'], ['failed', 'failed / rolled back'], ['cancelled', 'cancelled']];

function outcomeOf(status) {
  return status === 'completed' ? 'completed' : status === 'cancelled' ? 'cancelled' : 'failed';
}

// finished: [{time, status}] for runs that ended. Shows the last `slots` slots of `slotMs`.
export function throughputChart(finished, now, {slots = 30, slotMs = 10000} = {}) {
  const start = now - slots * slotMs;
  const counts = Array.from({length: slots}, () => ({completed: 0, failed: 0, cancelled: 0}));
  for (const f of finished) {
    const slot = Math.floor((f.time - start) / slotMs);
    if (slot >= 0 && slot < slots) counts[slot][outcomeOf(f.status)]++;
  }
  const totals = counts.map((c) => c.completed + c.failed + c.cancelled);
  const max = niceMax(Math.max(...totals));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slotW = plotW / slots;
  const minutes = (slots * slotMs) / 60000;
  const root = frame(max, [{x: PAD.left, text: `−${minutes} min`, anchor: 'start'},
                           {x: PAD.left + plotW / 2, text: `−${minutes / 2} min`},
                           {x: WIDTH - PAD.right, text: 'now', anchor: 'end'}]);
  counts.forEach((c, i) => {
    let base = PAD.top + plotH;
    for (const [outcome] of OUTCOMES) {
      if (!c[outcome]) continue;
      const h = (c[outcome] / max) * plotH;
      base -= h;
      root.append(svg('rect', {class: `bar ${outcome}`, x: PAD.left + i * slotW + 1, y: base,
                               width: Math.max(1, slotW - 2), height: h},
                      svg('title', {}, `${c[outcome]} ${outcome} in ${slotMs / 1000} s`)));
    }
  });
  const total = totals.reduce((a, b) => a + b, 0);
  const perMinute = (total / minutes).toFixed(total / minutes < 10 ? 1 : 0);
  return el('div', {class: 'chart-box'},
            el('div', {class: 'chart-figure'}, el('strong', {}, perMinute), ' runs/min',
               el('span', {class: 'muted'}, ` · ${total} finished in the last ${minutes} min`)),
            root, legend(OUTCOMES.map(([cls, text]) => [cls, text])));
}

const LATENCY_BUCKETS = [2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, Infinity];

function bucketLabel(upper) {
  if (upper === Infinity) return '>2.5s';
  return upper < 1000 ? `${upper}` : `${upper / 1000}s`;
}

function percentile(sorted, p) {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// latencies: [{ms}] for finished steps (the latest ones).
export function latencyChart(latencies) {
  const counts = LATENCY_BUCKETS.map(() => 0);
  for (const {ms} of latencies) counts[LATENCY_BUCKETS.findIndex((upper) => ms < upper)]++;
  const max = niceMax(Math.max(...counts));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slotW = plotW / counts.length;
  const root = frame(max, LATENCY_BUCKETS.map((upper, i) => ({x: PAD.left + (i + 0.5) * slotW,
                                                              text: `<${bucketLabel(upper)}`.replace('<>', '>')})));
  counts.forEach((count, i) => {
    if (!count) return;
    const h = (count / max) * plotH;
    root.append(svg('rect', {class: 'bar latency', x: PAD.left + i * slotW + 3, y: PAD.top + plotH - h,
                             width: slotW - 6, height: h},
                    svg('title', {}, `${count} step(s) under ${bucketLabel(LATENCY_BUCKETS[i])}${i < 8 ? ' ms' : ''}`)));
  });
  const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b);
  const stat = (name, value) => el('span', {class: 'stat'}, el('span', {class: 'muted'}, name), ' ', el('strong', {}, duration(value)));
  return el('div', {class: 'chart-box'},
            el('div', {class: 'chart-figure'}, stat('p50', percentile(sorted, 50)), stat('p95', percentile(sorted, 95)),
               stat('max', sorted[sorted.length - 1]),
               el('span', {class: 'muted'}, `${sorted.length} steps`)),
            root);
}
