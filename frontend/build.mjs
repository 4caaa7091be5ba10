// Bundles the bpmn-js viewer and modeler into app/static/dist with their stylesheets and font.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const out = 'app/static/dist';
mkdirSync(out, { recursive: true });
await build({ entryPoints: {
  viewer: 'frontend/viewer.js',
  modeler: 'frontend/modeler.js',
  diff: 'frontend/diff.js', // version comparison (bpmn-js-differ)
  history: 'frontend/history.js', // stepping through a case's history
  form_editor: 'frontend/form_editor.js',
  decision_editor: 'frontend/decision_editor.js',
  oversight: 'frontend/oversight.js', // the oversight dashboard's charts (ECharts)
}, bundle: true, minify: true,
  format: 'iife', target: 'es2020', outdir: out, logLevel: 'warning' });
cpSync('node_modules/bpmn-js/dist/assets', `${out}/bpmn-js`, { recursive: true });
cpSync('node_modules/dmn-js/dist/assets', `${out}/dmn-js`, { recursive: true });
cpSync('node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css', `${out}/properties-panel.css`);
cpSync('node_modules/diagram-js-minimap/assets/diagram-js-minimap.css', `${out}/diagram-js-minimap.css`);
cpSync('node_modules/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css', `${out}/bpmn-js-bpmnlint.css`);
