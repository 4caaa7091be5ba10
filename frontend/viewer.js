// The case and procedure pages' diagram: bpmn-js NavigatedViewer plus state markers, names
// in the page language, and zoom controls (buttons and keys) around a readable default.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { localise } from './localise.js';

const READABLE = 1; // labels at their drawn size (~12 px); the fit shrinks them to ~7 px
const STEP = 1.25;
const PAN = 80;

function mark(viewer, state) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  const add = (ids, cls) => ids.forEach((id) => registry.get(id) && canvas.addMarker(id, cls));
  add(state.completed || [], 'state-completed');
  add(state.current || [], 'state-current');
  (state.waiting || []).forEach((w) => {
    const element = registry.get(w.element);
    if (!element) return;
    canvas.addMarker(w.element, 'state-waiting');
    if (w.due_label) { // above the event: its own label sits right under the circle
      overlays.add(w.element, { position: { top: -26, left: -24 },
        html: `<div class="diagram-due">${w.due_label}</div>` });
    }
  });
}

// The readable zoom, centred on the first current or waiting element (else the start).
function reset(viewer, state) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const ids = (state.current || []).concat((state.waiting || []).map((w) => w.element));
  const focus = ids.map((id) => registry.get(id)).find(Boolean)
    || registry.filter((e) => e.type === 'bpmn:StartEvent')[0];
  canvas.zoom(READABLE);
  if (!focus) return;
  const box = canvas.viewbox();
  canvas.viewbox({ x: focus.x + (focus.width || 0) / 2 - box.width / 2,
    y: focus.y + (focus.height || 0) / 2 - box.height / 2, width: box.width, height: box.height });
}

function controls(viewer, container, state) {
  const canvas = viewer.get('canvas');
  const actions = {
    in: () => canvas.zoom(canvas.zoom() * STEP),
    out: () => canvas.zoom(canvas.zoom() / STEP),
    fit: () => canvas.zoom('fit-viewport', 'auto'),
    reset: () => reset(viewer, state),
  };
  const keys = { '+': 'in', '=': 'in', '-': 'out', _: 'out', 0: 'reset', f: 'fit' };
  const pans = { ArrowLeft: [PAN, 0], ArrowRight: [-PAN, 0], ArrowUp: [0, PAN], ArrowDown: [0, -PAN] };
  const toolbar = document.querySelector(`[data-diagram-controls="${container.id}"]`);
  if (toolbar) {
    toolbar.hidden = false;
    toolbar.querySelectorAll('[data-zoom]').forEach((button) => button.addEventListener(
      'click', () => actions[button.dataset.zoom]()));
  }
  container.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (keys[event.key]) actions[keys[event.key]]();
    else if (pans[event.key]) canvas.scroll({ dx: pans[event.key][0], dy: pans[event.key][1] });
    else return;
    event.preventDefault();
  });
  // The zoom level, for the page (and its tests) to read.
  const show = () => { container.dataset.zoom = canvas.zoom().toFixed(2); };
  viewer.on('canvas.viewbox.changed', show);
  show();
}

async function showDiagram(container) {
  const source = document.getElementById(container.dataset.source);
  const state = JSON.parse(document.getElementById(container.dataset.state).textContent);
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(localise(source.textContent, container.dataset.lang,
      JSON.parse(container.dataset.lanes || '{}')));
  } catch (error) {
    container.textContent = container.dataset.error || 'diagram unavailable';
    return;
  }
  mark(viewer, state);
  reset(viewer, state);
  controls(viewer, container, state);
}

window.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('[data-bpmn-viewer]').forEach(showDiagram);
});
