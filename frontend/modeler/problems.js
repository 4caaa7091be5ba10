// Problems on the diagram: the bpmnlint rules while drawing, the server's check as the
// authority. Each problem is a red outline and a badge on its element and a row in the list;
// a row click selects the element and scrolls it into view.
import { fill, text } from './labels.js';

const MARKER = 'problem-marker';

export class Problems {
  constructor(modeler, list, summary, bpmnFile) {
    this.modeler = modeler;
    this.list = list;
    this.summary = summary;
    this.bpmnFile = bpmnFile;
    this.client = [];
    this.server = null; // null: no server verdict for the diagram as it is now
    this.marked = [];
    const bus = modeler.get('eventBus');
    bus.on('linting.completed', ({ issues }) => {
      this.client = Object.values(issues).flat().map((issue) => ({
        element: issue.actualElementId || issue.id, message: issue.message, file: bpmnFile,
        source: 'lint' }));
      this.render();
    });
    bus.on('commandStack.changed', () => {
      if (this.server === null) return;
      this.server = null; // the diagram changed: the last check no longer speaks for it
      modeler.get('linting').toggle(true);
      this.render();
    });
  }

  setServer(problems) {
    this.server = problems.map((p) => ({ ...p, source: 'server' }));
    // The server's check replaces the drawing-time rules until the diagram changes again.
    this.modeler.get('linting').toggle(false);
    this.render();
  }

  current() {
    return this.server === null ? this.client : this.server;
  }

  clearMarks() {
    const canvas = this.modeler.get('canvas');
    const overlays = this.modeler.get('overlays');
    this.marked.forEach((id) => canvas.removeMarker(id, MARKER));
    overlays.remove({ type: 'problem' });
    this.marked = [];
  }

  mark(problems) {
    const registry = this.modeler.get('elementRegistry');
    const canvas = this.modeler.get('canvas');
    const overlays = this.modeler.get('overlays');
    const counts = {};
    problems.filter((p) => p.element && registry.get(p.element)).forEach((p) => {
      counts[p.element] = (counts[p.element] || 0) + 1;
    });
    Object.entries(counts).forEach(([id, count]) => {
      canvas.addMarker(id, MARKER);
      overlays.add(id, 'problem', { position: { top: -10, right: 10 },
        html: `<span class="problem-badge" title="${count}">${count}</span>` });
      this.marked.push(id);
    });
  }

  render() {
    const problems = this.current();
    this.clearMarks();
    if (this.server !== null) this.mark(problems);
    this.list.replaceChildren(...problems.map((p) => this.row(p)));
    this.summary.textContent = fill(problems.length ? text.problemCount : text.noProblems,
      { n: problems.length, by: this.server === null ? text.byLint : text.byServer });
    this.summary.dataset.state = problems.length ? 'problems' : 'clean';
  }

  row(problem) {
    const item = document.createElement('li');
    item.className = `problem problem-${problem.source}`;
    item.dataset.element = problem.element || '';
    const place = `${problem.element || ''}${problem.line ? `:${problem.line}` : ''}`;
    const where = [problem.file !== this.bpmnFile ? problem.file : '', place]
      .filter(Boolean).join(' ');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'problem-go';
    button.innerHTML = '<span class="problem-where mono"></span><span class="problem-message"></span>';
    button.querySelector('.problem-where').textContent = where;
    button.querySelector('.problem-message').textContent = problem.message;
    button.addEventListener('click', () => this.focus(problem.element));
    item.append(button);
    return item;
  }

  focus(id) {
    const element = id && this.modeler.get('elementRegistry').get(id);
    if (!element) return;
    const canvas = this.modeler.get('canvas');
    if (canvas.zoom() < 0.6) canvas.zoom(0.9);
    this.modeler.get('selection').select(element);
    canvas.scrollToElement(element, { top: 160, bottom: 160, left: 240, right: 240 });
  }
}
