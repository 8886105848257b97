// start_form.js — "Start a workflow": pick a template, fill its inputs (a field per declared
// input, typed after it), POST /v1/workflows. Optional fields left empty take the template's
// default; the node checks the input and its refusal is shown as sent.

import {el, fill} from './dom.js';
import {api, ApiError} from './api.js';

const LONG_TEXT = /text|body|notes|description|content/;

function control(input) {
  const id = `input-${input.name}`;
  const hasDefault = input.default !== undefined;
  const placeholder = hasDefault ? (Array.isArray(input.default) ? input.default.join(', ')
                                    : typeof input.default === 'object' ? JSON.stringify(input.default)
                                    : String(input.default)) : '';
  const common = {id, name: input.name, required: input.required, placeholder, dataset: {type: input.type}};
  switch (input.type) {
    case 'integer':
    case 'number':
      return el('input', {...common, type: 'number', step: input.type === 'integer' ? 1 : 'any'});
    case 'boolean':
      return el('select', common, el('option', {value: ''}, hasDefault ? `default (${input.default})` : '—'),
                el('option', {value: 'true'}, 'true'), el('option', {value: 'false'}, 'false'));
    case 'object':
      return el('textarea', {...common, rows: 3, class: 'mono'});
    default:
      return LONG_TEXT.test(input.name) ? el('textarea', {...common, rows: 3}) : el('input', {...common, type: 'text'});
  }
}

function hint(input) {
  const kinds = {array: 'list: comma-separated, or JSON', object: 'JSON object', integer: 'whole number'};
  return [input.required ? 'required' : 'optional', kinds[input.type] || input.type].join(' · ');
}

// The typed value of one field, or undefined when an optional field is left empty.
function valueOf(control) {
  const text = control.value.trim();
  if (text === '') return undefined;
  const fail = (why) => { throw new Error(`${control.name}: ${why}`); };
  switch (control.dataset.type) {
    case 'integer':
    case 'number': {
      const n = Number(text);
      if (!Number.isFinite(n) || (control.dataset.type === 'integer' && !Number.isInteger(n))) fail(`'${text}' is not a ${control.dataset.type}`);
      return n;
    }
    case 'boolean':
      return text === 'true';
    case 'array':
      if (!text.startsWith('[')) return text.split(',').map((s) => s.trim()).filter(Boolean);
    // fall through: a JSON array
    case 'object':
      try {
        return JSON.parse(text);
      } catch (e) {
        return fail(`not valid JSON (${e.message})`);
      }
    default:
      return text;
  }
}

// Builds the form into `root`; `templates` from GET /v1/templates. onStarted(id) after a start.
export function mountStartForm(root, templates, onStarted) {
  const select = el('select', {id: 'template-select', required: true},
                    el('option', {value: ''}, 'Choose a template…'),
                    templates.map((t) => el('option', {value: t.name}, t.name.replaceAll('_', ' '))));
  const about = el('p', {class: 'muted about'});
  const fields = el('div', {class: 'fields-grid'});
  const result = el('div', {id: 'start-result', class: 'result', 'aria-live': 'polite'});
  const button = el('button', {id: 'start-button', type: 'submit', class: 'primary', disabled: true}, 'Start workflow');
  const form = el('form', {id: 'start-form', novalidate: false}, el('label', {class: 'field-label', for: 'template-select'}, 'Template'),
                  select, about, fields, el('div', {class: 'form-foot'}, button, result));

  select.addEventListener('change', async () => {
    fill(fields);
    fill(result);
    fill(about);
    button.disabled = true;
    if (!select.value) return;
    try {
      const t = await api(`/v1/templates/${encodeURIComponent(select.value)}`);
      fill(about, t.description || '', ` ${t.steps?.length || 0} steps.`);
      fill(fields, (t.inputs || []).map((input) =>
        el('label', {class: 'input', for: `input-${input.name}`},
           el('span', {class: 'field-label'}, input.name, input.required ? el('b', {class: 'req'}, ' *') : null),
           control(input), el('small', {class: 'muted'}, hint(input)))));
      button.disabled = false;
    } catch (e) {
      fill(result, el('span', {class: 'error-text'}, e.message));
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fill(result);
    const input = {};
    try {
      for (const c of fields.querySelectorAll('[name]')) {
        const v = valueOf(c);
        if (v !== undefined) input[c.name] = v;
      }
    } catch (e) {
      fill(result, el('span', {class: 'error-text'}, e.message));
      return;
    }
    button.disabled = true;
    try {
      const run = await api('/v1/workflows', {method: 'POST', body: {template: select.value, input}});
      fill(result, el('span', {class: 'ok-text', dataset: {workflowId: run.id}}, 'Started ',
                      el('a', {href: '#', class: 'mono', onclick: (e) => { e.preventDefault(); onStarted(run.id, true); }}, run.id)));
      onStarted(run.id, false);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;  // AuthError: the page asks for the key
      fill(result, el('span', {class: 'error-text'}, e.message));
    } finally {
      button.disabled = false;
    }
  });
  fill(root, form);
}
