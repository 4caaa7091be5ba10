// The procedure modeler page: bpmn-js Modeler with the properties panel extended for what
// this product reads, minimap, keyboard, Chinese labels, lint on the diagram, check and save.
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import MinimapModule from 'diagram-js-minimap';
import LintModule from 'bpmn-js-bpmnlint';
import spiffworkflow from './modeler/spiffworkflow.json';
import ProductPropertiesProvider from './modeler/properties.js';
import { translateModule } from './modeler/translate.js';
import { lintConfig } from './lint/index.js';
import { requestJson as call, errorText } from './editor_api.js';
import { fill, lang, text } from './modeler/labels.js';
import { Problems } from './modeler/problems.js';

const $ = (selector) => document.querySelector(selector);

async function jurisdictionForms(config) {
  const result = await call(`/api/forms?process=${encodeURIComponent(config.key)}`);
  if (result.ok && Array.isArray(result.body)) return result.body;
  // Without the forms list, the forms this version already uses are still offered.
  return Object.keys(config.form_sources).sort().map((key) => ({ key, title: key }));
}

function createModeler(config, context, knownForms) {
  return new Modeler({
    container: '#canvas',
    keyboard: { bind: true },
    propertiesPanel: { parent: '#properties', layout: { groups: { product: { open: true } } } },
    productProperties: context,
    linting: { bpmnlint: lintConfig(lang, knownForms), active: true },
    moddleExtensions: { spiffworkflow },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, MinimapModule,
      LintModule, translateModule(lang),
      { __init__: ['productProperties'], productProperties: ['type', ProductPropertiesProvider] }],
  });
}

// A procedure is several screens wide: open readable at its start rather than fitted tiny.
function showStart(modeler) {
  const canvas = modeler.get('canvas');
  canvas.zoom('fit-viewport', 'auto');
  if (canvas.zoom() >= 0.6) return;
  const { inner, outer } = canvas.viewbox();
  const scale = 0.8;
  canvas.viewbox({ x: inner.x - 20, y: inner.y - 20, width: outer.width / scale,
    height: outer.height / scale });
}

function status(message, state = '') {
  const box = $('#modeler-status');
  box.textContent = message;
  box.dataset.state = state;
}

async function currentFiles(modeler, config) {
  const { xml } = await modeler.saveXML({ format: true });
  return { [config.bpmn_file]: xml };
}

function wireToolbar(modeler, config, problems, dirty) {
  const canvas = modeler.get('canvas');
  const zoomBy = (factor) => canvas.zoom(canvas.zoom() * factor);
  $('#zoom-in').addEventListener('click', () => zoomBy(1.2));
  $('#zoom-out').addEventListener('click', () => zoomBy(1 / 1.2));
  $('#zoom-fit').addEventListener('click', () => canvas.zoom('fit-viewport', 'auto'));
  $('#download').addEventListener('click', async () => {
    const { xml } = await modeler.saveXML({ format: true });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
    link.download = config.bpmn_file;
    link.click();
    URL.revokeObjectURL(link.href);
  });
  $('#check').addEventListener('click', async () => {
    status(text.checking, 'busy');
    const result = await call(`/api/processes/${config.key}/check`,
      { files: await currentFiles(modeler, config) });
    if (!result.ok) { status(text.failed + errorText(result), 'error'); return; }
    problems.setServer(result.body.problems || []);
    status('');
  });
  const save = $('#save');
  if (!save) return;
  save.addEventListener('click', async () => {
    status(text.saving, 'busy');
    const result = await call(`/api/processes/${config.key}/drafts`,
      { files: await currentFiles(modeler, config), note: $('#note').value });
    if (!result.ok) {
      if (result.body.problems) problems.setServer(result.body.problems);
      status(text.failed + errorText(result), 'error');
      return;
    }
    problems.setServer(result.body.problems || []);
    dirty.value = false;
    status(fill(text.saved, { n: result.body.draft }), 'saved');
    const link = $('#versions-link');
    link.hidden = false;
    $('#draft-number').textContent = `v${result.body.draft}`;
  });
}

async function main() {
  const root = $('#modeler');
  if (!root) return;
  const config = JSON.parse($('#modeler-config').textContent);
  const knownForms = new Set();
  const context = { key: config.key, forms: [], decisions: config.decisions,
    formSources: config.form_sources };
  const modeler = createModeler(config, context, knownForms);
  window.modeler = modeler; // the browser tests read the diagram through it
  const forms = await jurisdictionForms(config);
  context.forms.push(...forms);
  forms.forEach((f) => knownForms.add(f.key));
  const problems = new Problems(modeler, $('#problems'), $('#problems-summary'), config.bpmn_file);
  const dirty = { value: false };
  await modeler.importXML($('#bpmn-source').textContent);
  showStart(modeler);
  modeler.get('eventBus').on('commandStack.changed', () => { dirty.value = true; });
  window.addEventListener('beforeunload', (event) => {
    if (!dirty.value) return;
    event.preventDefault();
    event.returnValue = text.leave;
  });
  wireToolbar(modeler, config, problems, dirty);
  root.dataset.ready = 'true';
}

window.addEventListener('DOMContentLoaded', () => {
  main().catch((error) => status(`${text.failed}${error.message}`, 'error'));
});
