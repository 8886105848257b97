// graph.js — the service dependency graph as SVG. Columns by depth: services that depend on
// nothing on the left, each service one column right of its deepest dependency, so every
// arrow (dependent -> dependency) points left. Within a column, services sit near the mean
// row of their dependencies, which keeps crossings few.

import {svg} from './dom.js';

const COLUMN_WIDTH = 290;
const NODE_WIDTH = 206;
const NODE_HEIGHT = 28;
const ROW_HEIGHT = 38;
const MARGIN = 12;

function depths(nodes, dependsOn) {
  const depth = new Map();
  const visit = (name, path) => {
    if (depth.has(name)) return depth.get(name);
    if (path.has(name)) return 0;  // a cycle: the catalog refuses those, but never loop
    path.add(name);
    const deps = dependsOn.get(name) || [];
    const d = deps.length ? 1 + Math.max(...deps.map((dep) => visit(dep, path))) : 0;
    path.delete(name);
    depth.set(name, d);
    return d;
  };
  nodes.forEach((n) => visit(n, new Set()));
  return depth;
}

function layout(graph) {
  const dependsOn = new Map(graph.nodes.map((n) => [n, []]));
  for (const e of graph.edges) if (dependsOn.has(e.from) && dependsOn.has(e.to)) dependsOn.get(e.from).push(e.to);
  const depth = depths(graph.nodes, dependsOn);
  const columns = [];
  for (const n of [...graph.nodes].sort()) (columns[depth.get(n)] ||= []).push(n);
  const row = new Map();
  columns.forEach((column, c) => {
    if (c > 0) {
      const mean = (n) => {
        const deps = dependsOn.get(n);
        return deps.reduce((sum, d) => sum + row.get(d), 0) / deps.length;
      };
      column.sort((a, b) => mean(a) - mean(b));
    }
    column.forEach((n, r) => row.set(n, r));
  });
  const rows = Math.max(...columns.map((c) => c.length));
  const position = new Map();
  columns.forEach((column, c) => {
    const offset = ((rows - column.length) * ROW_HEIGHT) / 2;  // centre short columns
    column.forEach((n, r) => position.set(n, {x: MARGIN + c * COLUMN_WIDTH, y: MARGIN + offset + r * ROW_HEIGHT}));
  });
  return {position, dependsOn, width: 2 * MARGIN + (columns.length - 1) * COLUMN_WIDTH + NODE_WIDTH,
          height: 2 * MARGIN + rows * ROW_HEIGHT - (ROW_HEIGHT - NODE_HEIGHT)};
}

// Draws `graph` ({nodes, edges:[{from,to}]}) coloured by each service's status; clicking a
// service calls onSelect(name).
export function drawGraph(graph, statusOf, onSelect) {
  if (!graph || !graph.nodes.length) return svg('svg', {class: 'graph', viewBox: '0 0 10 10'});
  const {position, dependsOn, width, height} = layout(graph);
  const root = svg('svg', {class: 'graph', viewBox: `0 0 ${width} ${height}`, role: 'img',
                           'aria-label': 'Service dependency graph'});
  root.append(svg('defs', {}, svg('marker', {id: 'arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7,
                                             markerHeight: 7, orient: 'auto-start-reverse'},
                                  svg('path', {d: 'M0,0 L8,4 L0,8 z', class: 'arrow-head'}))));
  const edges = svg('g', {class: 'edges'});
  const nodes = svg('g', {class: 'nodes'});
  root.append(edges, nodes);
  for (const [from, deps] of dependsOn) {
    const a = position.get(from);
    for (const to of deps) {
      const b = position.get(to);
      const x1 = a.x, y1 = a.y + NODE_HEIGHT / 2, x2 = b.x + NODE_WIDTH, y2 = b.y + NODE_HEIGHT / 2;
      const bend = Math.max(30, (x1 - x2) / 2);
      edges.append(svg('path', {class: 'edge', d: `M${x1},${y1} C${x1 - bend},${y1} ${x2 + bend},${y2} ${x2},${y2}`,
                                'marker-end': 'url(#arrow)', dataset: {from, to}}));
    }
  }
  for (const [name, p] of position) {
    const status = statusOf(name) || 'unknown';
    const label = name.length > 26 ? `${name.slice(0, 25)}…` : name;
    const node = svg('g', {class: `graph-node status-${status}`, transform: `translate(${p.x},${p.y})`, tabindex: 0,
                           dataset: {service: name}, onclick: () => onSelect(name),
                           onkeydown: (e) => e.key === 'Enter' && onSelect(name)},
                     svg('title', {}, `${name}: ${status}; depends on ${(dependsOn.get(name) || []).join(', ') || 'nothing'}`),
                     svg('rect', {width: NODE_WIDTH, height: NODE_HEIGHT, rx: 7}),
                     svg('circle', {cx: 13, cy: NODE_HEIGHT / 2, r: 4.5, class: 'dot'}),
                     svg('text', {x: 25, y: NODE_HEIGHT / 2 + 4.5}, label));
    node.addEventListener('mouseenter', () => highlight(root, name, true));
    node.addEventListener('mouseleave', () => highlight(root, name, false));
    nodes.append(node);
  }
  return root;
}

// While a service is hovered, its arrows stand out and the rest fades.
function highlight(root, name, on) {
  root.classList.toggle('focused', on);
  for (const edge of root.querySelectorAll('.edge')) {
    edge.classList.toggle('hot', on && (edge.dataset.from === name || edge.dataset.to === name));
  }
}
