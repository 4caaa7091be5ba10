// The form editor: the form's YAML in CodeMirror, checked as it is typed (POST
// /api/forms/check), its problems as lint marks and in a list, a live preview rendered by
// the task page's own code, the JSON Schema, and saving a draft of the process.
import { EditorView, basicSetup } from 'codemirror';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter } from '@codemirror/lint';
import { element, pageTexts, postJson, errorText, saveDraft } from './editor_api.js';

const CHECK_DELAY_MS = 400;
const EDITOR_THEME = EditorView.theme({
  '&': { height: 'min(70vh, 720px)', minHeight: '360px', fontSize: '13px', backgroundColor: '#fff' },
  '&.cm-focused': { outline: '2px solid #2563b0', outlineOffset: '-2px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace' },
});

function lineRange(doc, line) {
  const number = Math.min(Math.max(line || 1, 1), doc.lines);
  const found = doc.line(number);
  return { from: found.from, to: Math.max(found.to, found.from) };
}

function showProblems(list, problems, texts, view) {
  list.replaceChildren();
  list.closest('[data-problems-card]').dataset.count = problems.length;
  if (!problems.length) {
    list.append(element('li', { class: 'problem-none', text: texts.noProblems }));
    return;
  }
  problems.forEach((problem) => {
    const where = problem.line ? texts.line.replace('{n}', problem.line) : texts.wholeFile;
    const go = element('button', { type: 'button', class: 'link-button', text: where });
    go.addEventListener('click', () => {
      const range = lineRange(view.state.doc, problem.line);
      view.dispatch({ selection: { anchor: range.from }, scrollIntoView: true });
      view.focus();
    });
    list.append(element('li', { class: 'problem', 'data-line': problem.line },
      go, ' ', element('span', { text: problem.message })));
  });
}

function showResult(page, answer, texts, view) {
  const body = answer.body;
  if (!answer.ok) {
    const message = errorText(answer, texts.checkFailed);
    showProblems(page.problems, [{ line: 0, message }], texts, view);
    return [{ line: 1, message }];
  }
  showProblems(page.problems, body.problems, texts, view);
  page.state.textContent = body.problems.length ? texts.invalid : texts.valid;
  page.state.className = `badge ${body.problems.length ? 'badge-danger' : 'badge-success'}`;
  if (body.html) page.preview.innerHTML = body.html;  // rendered and escaped by the server
  page.preview.classList.toggle('is-stale', !body.html);
  document.getElementById('preview-stale').hidden = Boolean(body.html);
  if (body.schema) page.schema.textContent = JSON.stringify(body.schema, null, 2);
  return body.problems;
}

function checker(page, texts) {
  return linter(async (view) => {
    const answer = await postJson('/api/forms/check',
      { key: page.key, source: view.state.doc.toString() });
    return showResult(page, answer, texts, view).map((problem) => ({
      ...lineRange(view.state.doc, problem.line), severity: 'error', message: problem.message,
    }));
  }, { delay: CHECK_DELAY_MS });
}

function start(root) {
  const texts = pageTexts('form-editor-text');
  const page = {
    key: root.dataset.formKey, process: root.dataset.process,
    problems: document.getElementById('form-problems'),
    preview: document.getElementById('form-preview'),
    schema: document.getElementById('form-schema'),
    state: document.getElementById('form-state'),
  };
  const source = document.getElementById('form-source');
  // CodeMirror styles itself with <style> elements, which the page's CSP (style-src 'self')
  // refuses; inside a shadow root it uses constructed style sheets instead.
  const host = document.getElementById('form-yaml');
  const shadow = host.attachShadow({ mode: 'open' });
  const parent = document.createElement('div');
  shadow.append(parent);
  const view = new EditorView({
    doc: source.value, parent, root: shadow,
    extensions: [basicSetup, yaml(), lintGutter(), checker(page, texts), EditorView.lineWrapping,
      EDITOR_THEME, EditorView.contentAttributes.of({ 'aria-label': texts.editorLabel })],
  });
  window.formEditor = view;  // the browser tests type through it
  document.getElementById('save-draft').addEventListener('click', () => saveDraft(
    page.process, { [`forms/${page.key}.yaml`]: view.state.doc.toString() },
    document.getElementById('draft-note').value, document.getElementById('save-status'), texts));
}

window.addEventListener('DOMContentLoaded', () => {
  const root = document.querySelector('[data-form-editor]');
  if (root) start(root);
});
