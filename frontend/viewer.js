// The case page's diagram: bpmn-js NavigatedViewer plus state markers.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

async function showDiagram(container) {
  const source = document.getElementById(container.dataset.source);
  const state = JSON.parse(document.getElementById(container.dataset.state).textContent);
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(source.textContent);
  } catch (error) {
    container.textContent = container.dataset.error || 'diagram unavailable';
    return;
  }
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  const mark = (ids, cls) => ids.forEach((id) => registry.get(id) && canvas.addMarker(id, cls));
  mark(state.completed || [], 'state-completed');
  mark(state.current || [], 'state-current');
  (state.waiting || []).forEach((w) => {
    if (!registry.get(w.element)) return;
    canvas.addMarker(w.element, 'state-waiting');
    if (w.due_label) {
      overlays.add(w.element, { position: { bottom: 14, left: -20 },
        html: `<div class="diagram-due">${w.due_label}</div>` });
    }
  });
  canvas.zoom('fit-viewport');
}

window.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('[data-bpmn-viewer]').forEach(showDiagram);
});
