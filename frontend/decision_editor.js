// The decision table editor: dmn-js on the table's XML, the server's check of the draft
// (POST /api/processes/<key>/check), "try it" on a case (POST .../decisions/try with the
// unsaved XML) and saving a draft of the process.
import DmnModeler from 'dmn-js/lib/Modeler';
import translate from './dmn_zh.js';
import { element, pageTexts, postJson, errorText, saveDraft } from './editor_api.js';

// Each view's own options (dmn-js replaces the common additionalModules by the view's).
const CHINESE = { additionalModules: [{ translate: ['value', translate] }] };

async function currentXml(modeler) {
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

async function openTable(modeler, xml, container, texts) {
  try {
    await modeler.importXML(xml);
  } catch (error) {
    container.replaceChildren(element('div', { class: 'alert alert-error', text: texts.cannotOpen }));
    return false;
  }
  const table = modeler.getViews().find((view) => view.type === 'decisionTable');
  if (table) await modeler.open(table);
  return true;
}

function problemList(list, problems, texts) {
  list.replaceChildren();
  if (!problems.length) {
    list.append(element('li', { class: 'problem-none', text: texts.noProblems }));
    return;
  }
  problems.forEach((p) => list.append(element('li', { class: 'problem' },
    element('span', { class: 'mono', text: [p.file, p.line ? `${texts.line.replace('{n}', p.line)}` : '', p.element]
      .filter(Boolean).join(' · ') }), ' ', element('span', { text: p.message }))));
}

async function check(page, texts) {
  page.checkStatus.textContent = texts.checking;
  const answer = await postJson(`/api/processes/${encodeURIComponent(page.key)}/check`,
    { files: { [page.file]: await currentXml(page.modeler) } });
  if (!answer.ok) {
    page.checkStatus.textContent = errorText(answer, texts.checkFailed);
    return;
  }
  const problems = answer.body.problems || [];
  page.checkStatus.textContent = problems.length
    ? texts.problemsFound.replace('{n}', problems.length) : texts.checkPassed;
  problemList(page.problems, problems, texts);
}

function shown(value) {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function conditionRow(condition, texts) {
  const mark = condition.passed ? '✓' : '✗';
  return element('li', { class: `condition ${condition.passed ? 'is-passed' : 'is-failed'}`,
    'data-passed': condition.passed ? 'true' : 'false' },
  element('span', { class: 'mark', 'aria-label': condition.passed ? texts.passed : texts.failed, text: mark }),
  element('span', { class: 'condition-input', text: condition.input }),
  element('code', { class: 'condition-text', text: condition.text }),
  element('span', { class: 'condition-value' }, `${texts.actual}: `, element('strong', { text: shown(condition.value) })),
  condition.error ? element('span', { class: 'condition-error', text: condition.error }) : null);
}

function ruleRow(rule, texts) {
  const failed = rule.conditions.some((c) => !c.passed);
  return element('tr', { 'data-rule': rule.id, class: failed ? 'rule-failed' : '' },
    element('td', { class: 'num', text: rule.row || '' }),
    element('td', {}, element('div', { text: rule.description || rule.id }),
      element('div', { class: 'muted small mono', text: rule.id })),
    element('td', {}, element('span', { class: `badge ${rule.matched ? 'badge-success' : 'badge-neutral'}`,
      text: rule.matched ? texts.matched : texts.notMatched })),
    element('td', {}, rule.conditions.length
      ? element('ul', { class: 'conditions' }, rule.conditions.map((c) => conditionRow(c, texts)))
      : element('span', { class: 'muted', text: texts.noConditions })));
}

function showTrial(target, trial, texts) {
  const failed = trial.rules.filter((r) => r.conditions.some((c) => !c.passed)).length;
  const summary = element('p', { class: 'trial-summary' },
    texts.trialSummary.replace('{ref}', trial.case_ref).replace('{rules}', trial.rules.length)
      .replace('{matched}', trial.rules.filter((r) => r.matched).length).replace('{failed}', failed));
  const table = element('table', { class: 'table compact trial-table', 'data-testid': 'trial-table' },
    element('thead', {}, element('tr', {}, [texts.row, texts.rule, texts.match, texts.conditions]
      .map((h) => element('th', { scope: 'col', text: h })))),
    element('tbody', {}, trial.rules.map((rule) => ruleRow(rule, texts))));
  const parts = [summary, element('div', { class: 'table-wrap' }, table)];
  if (trial.error) parts.splice(1, 0, element('div', { class: 'alert alert-warning', text: trial.error }));
  target.replaceChildren(...parts);
}

// Colour the table's own rows: red where a condition failed, green where all passed.
function markRows(container, trial) {
  container.querySelectorAll('.trial-passed, .trial-failed').forEach((cell) => {
    cell.classList.remove('trial-passed', 'trial-failed');
  });
  trial.rules.forEach((rule) => {
    const failed = !rule.matched || rule.conditions.some((c) => !c.passed);
    container.querySelectorAll(`[data-row-id="${CSS.escape(rule.id)}"]`).forEach((cell) => {
      cell.classList.add(failed ? 'trial-failed' : 'trial-passed');
    });
  });
}

async function tryIt(page, texts) {
  const picked = page.caseRef.value.trim() || page.caseSelect.value;
  if (!picked) {
    page.trial.replaceChildren(element('div', { class: 'alert alert-info', text: texts.pickCase }));
    return;
  }
  const caseId = /^\d+$/.test(picked) ? Number(picked) : picked;
  page.trial.replaceChildren(element('p', { class: 'muted', text: texts.trying }));
  const answer = await postJson(`/api/processes/${encodeURIComponent(page.key)}/decisions/try`,
    { file: page.file, text: await currentXml(page.modeler), case_id: caseId });
  if (!answer.ok) {
    page.trial.replaceChildren(element('div', { class: 'alert alert-error',
      text: errorText(answer, texts.tryFailed) }));
    return;
  }
  showTrial(page.trial, answer.body, texts);
  markRows(document.getElementById('dmn-editor'), answer.body);
}

async function start(root) {
  const texts = pageTexts('decision-editor-text');
  const container = document.getElementById('dmn-editor');
  const page = {
    key: root.dataset.process, file: root.dataset.file,
    modeler: new DmnModeler({ container, common: { keyboard: { bindTo: window } },
      drd: CHINESE, decisionTable: CHINESE, literalExpression: CHINESE }),
    problems: document.getElementById('dmn-problems'),
    checkStatus: document.getElementById('check-status'),
    caseSelect: document.getElementById('try-case'),
    caseRef: document.getElementById('try-case-ref'),
    trial: document.getElementById('trial-result'),
  };
  window.decisionEditor = page.modeler;  // the browser tests edit through it
  if (!await openTable(page.modeler, document.getElementById('dmn-source').value, container, texts)) return;
  root.dataset.ready = 'true';
  document.getElementById('check-dmn').addEventListener('click', () => check(page, texts));
  document.getElementById('try-run').addEventListener('click', () => tryIt(page, texts));
  document.getElementById('save-draft').addEventListener('click', async () => saveDraft(
    page.key, { [page.file]: await currentXml(page.modeler) },
    document.getElementById('draft-note').value, document.getElementById('save-status'), texts));
}

window.addEventListener('DOMContentLoaded', () => {
  const root = document.querySelector('[data-decision-editor]');
  if (root) start(root);
});
