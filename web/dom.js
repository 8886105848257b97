// dom.js — building DOM and SVG nodes without innerHTML (nothing a node sends is ever parsed
// as markup), and the few formats the page shows: times, durations, short ids.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// el('div', {class: 'x', onclick: f}, child, 'text', [more]) -> <div class="x">…</div>
export function el(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

// Replaces the children of `parent` with `children`.
export function fill(parent, ...children) {
  parent.replaceChildren();
  return build(parent, {}, children);
}

export function clock(ms) {
  return new Date(ms).toLocaleTimeString([], {hour12: false});
}

export function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const min = Math.floor(ms / 60000);
  return min < 60 ? `${min} min ${Math.round((ms % 60000) / 1000)} s`
                  : `${Math.floor(min / 60)} h ${min % 60} min`;
}

export function ago(ms, now = Date.now()) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

// "wf-f1fc96c7-12" stays readable; long custom ids are cut in the middle.
export function shortId(id) {
  return id.length <= 22 ? id : `${id.slice(0, 10)}…${id.slice(-8)}`;
}

// A status word as a coloured pill; the class names are in style.css.
export function pill(status) {
  return el('span', {class: `pill status-${status}`}, status.replaceAll('_', ' '));
}
