// Bundles the bpmn-js viewer into app/static/dist with its stylesheets and font.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const out = 'app/static/dist';
mkdirSync(out, { recursive: true });
await build({ entryPoints: { viewer: 'frontend/viewer.js',
  diff: 'frontend/diff.js', // version comparison (bpmn-js-differ)
  form_editor: 'frontend/form_editor.js',
  decision_editor: 'frontend/decision_editor.js',
}, bundle: true, minify: true,
  format: 'iife', target: 'es2020', outdir: out, logLevel: 'warning' });
cpSync('node_modules/bpmn-js/dist/assets', `${out}/bpmn-js`, { recursive: true });
cpSync('node_modules/dmn-js/dist/assets', `${out}/dmn-js`, { recursive: true });
