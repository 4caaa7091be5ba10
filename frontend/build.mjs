// Bundles the bpmn-js viewer into app/static/dist with its stylesheets and font.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const out = 'app/static/dist';
mkdirSync(out, { recursive: true });
await build({ entryPoints: { viewer: 'frontend/viewer.js',
  diff: 'frontend/diff.js', // version comparison (bpmn-js-differ)
}, bundle: true, minify: true,
  format: 'iife', target: 'es2020', outdir: out, logLevel: 'warning' });
cpSync('node_modules/bpmn-js/dist/assets', `${out}/bpmn-js`, { recursive: true });
