// Live previews inside the properties panel: a form rendered by the task page's code
// (POST /api/forms/check) and a timer's date on the real calendar (POST /api/calendar/preview).
import { h } from '@bpmn-io/properties-panel/preact';
import { useState } from '@bpmn-io/properties-panel/preact/hooks';
import { requestJson as call, errorText } from '../editor_api.js';
import { fill, text } from './labels.js';

export function FormPreview({ form, context }) {
  const [state, setState] = useState({ form: null, html: '', error: '' });
  if (!form) return null;
  const source = context.formSources[form];
  const shown = state.form === form;
  const open = async () => {
    const result = await call('/api/forms/check', { key: form, source: source || '' });
    setState(result.ok ? { form, html: result.body.html || '', error: '' }
      : { form, html: '', error: errorText(result) });
  };
  return h('div', { class: 'product-preview' },
    h('div', { class: 'product-actions' },
      source ? h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'form-preview-button',
        onClick: open }, text.preview) : h('span', { class: 'muted small' }, text.noSource),
      h('a', { class: 'product-link', href: `/processes/${context.key}/forms/${encodeURIComponent(form)}/edit` },
        text.editForm)),
    shown && state.error && h('p', { class: 'product-error', role: 'alert' }, state.error),
    shown && state.html && h('div', { class: 'product-form-preview', 'data-testid': 'form-preview',
      dangerouslySetInnerHTML: { __html: state.html } }));
}

const IDENTIFIER = /(?<![\w."'])([A-Za-z_]\w*)(?![\w"'(])/g;
const KNOWN = new Set(['True', 'False', 'None', 'and', 'or', 'not', 'in', 'is', 'if', 'else']);

// Names the expression reads: each gets the start day as sample value, editable.
function sampleData(expression, start) {
  const names = [...(expression || '').matchAll(IDENTIFIER)].map((m) => m[1])
    .filter((name) => !KNOWN.has(name));
  return JSON.stringify(Object.fromEntries(names.map((name) => [name, start])));
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

export function TimerPreview({ expression }) {
  const [start, setStart] = useState(today());
  const [data, setData] = useState(null);
  const [result, setResult] = useState({ text: '', error: '' });
  const shownData = data === null ? sampleData(expression, start) : data;
  const run = async () => {
    let parsed;
    try { parsed = JSON.parse(shownData || '{}'); } catch (error) { parsed = null; }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      setResult({ text: '', error: text.badJson });
      return;
    }
    const answer = await call('/api/calendar/preview', { expression, start, data: parsed });
    setResult(answer.ok ? { error: '', text: fill(text.previewResult, { date: answer.body.date,
      value: answer.body.value, days: answer.body.working_days_from_start }) }
      : { text: '', error: errorText(answer) });
  };
  return h('div', { class: 'product-preview product-timer-preview' },
    h('label', { class: 'bio-properties-panel-label' }, text.previewStart,
      h('input', { type: 'date', class: 'bio-properties-panel-input', value: start,
        'data-testid': 'timer-start', onInput: (e) => setStart(e.target.value) })),
    h('label', { class: 'bio-properties-panel-label' }, text.previewData,
      h('textarea', { class: 'bio-properties-panel-input mono', rows: 2, value: shownData,
        'data-testid': 'timer-data', onInput: (e) => setData(e.target.value) })),
    h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'timer-preview-button',
      onClick: run }, text.previewButton),
    result.text && h('p', { class: 'product-result', 'data-testid': 'timer-preview' }, result.text),
    result.error && h('p', { class: 'product-error', role: 'alert', 'data-testid': 'timer-preview-error' },
      result.error));
}
