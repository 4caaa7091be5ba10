// The version comparison page: the two diagrams in bpmn-js viewers, coloured by bpmn-js-differ
// (added green, removed red, changed amber, moved blue), moving and zooming together.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diff } from 'bpmn-js-differ';

const ZOOM = 0.8; // readable labels; the procedures are wider than any screen

async function open(container) {
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(document.getElementById(container.dataset.source).textContent);
  } catch (error) {
    container.textContent = container.dataset.error || 'diagram unavailable';
    return null;
  }
  return viewer;
}

function mark(viewer, ids, marker) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  ids.forEach((id) => registry.get(id) && canvas.addMarker(id, marker));
}

// The differ reads what bpmn-moddle knows; the server also compares the spiffworkflow
// properties (form, deadlines, decision links), so its changed ids are added.
function colour(older, newer, server) {
  const found = diff(older.getDefinitions(), newer.getDefinitions());
  const changed = new Set([...Object.keys(found._changed), ...server.changed]);
  const moved = Object.keys(found._layoutChanged).filter((id) => !changed.has(id));
  mark(newer, Object.keys(found._added), 'diff-added');
  mark(older, Object.keys(found._removed), 'diff-removed');
  for (const viewer of [older, newer]) {
    mark(viewer, [...changed], 'diff-changed');
    mark(viewer, moved, 'diff-layout');
  }
  return [...Object.keys(found._added), ...changed][0] || Object.keys(found._removed)[0];
}

function focus(older, newer, id) {
  const canvas = newer.get('canvas');
  const element = id && (newer.get('elementRegistry').get(id) || older.get('elementRegistry').get(id));
  if (!element || element.waypoints || element.type === 'bpmn:Process') {
    canvas.zoom('fit-viewport');
  } else {
    canvas.zoom(ZOOM);
    const box = canvas.viewbox();
    canvas.viewbox({ x: element.x + element.width / 2 - box.width / 2,
      y: element.y + element.height / 2 - box.height / 2, width: box.width, height: box.height });
  }
  const box = canvas.viewbox();
  const size = older.get('canvas').getSize();
  older.get('canvas').viewbox({ x: box.x, y: box.y, width: size.width / box.scale,
    height: size.height / box.scale });
}

// Moving or zooming one diagram moves the other to the same place and scale. Each change
// echoes back once (the events are debounced), so a viewbox already in place is left alone.
function follow(source, target) {
  source.on('canvas.viewbox.changed', ({ viewbox }) => {
    const canvas = target.get('canvas');
    const current = canvas.viewbox();
    if (Math.abs(current.x - viewbox.x) < 0.5 && Math.abs(current.y - viewbox.y) < 0.5
        && Math.abs(current.scale - viewbox.scale) < 0.001) return;
    const { width, height } = canvas.getSize();
    canvas.viewbox({ x: viewbox.x, y: viewbox.y, width: width / viewbox.scale,
      height: height / viewbox.scale });
  });
}

window.addEventListener('DOMContentLoaded', async () => {
  const older = await open(document.getElementById('diff-old'));
  const newer = await open(document.getElementById('diff-new'));
  if (!older || !newer) return;
  const server = JSON.parse(document.getElementById('diff-changes').textContent);
  focus(older, newer, colour(older, newer, server));
  follow(older, newer);
  follow(newer, older);
  document.body.dataset.diffReady = 'true';
});
