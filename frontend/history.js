// The case history page: select an event (list, slider, ←/→, Home/End) to see the diagram,
// the waiting tasks and timers, the data and its diff as they were after it. Every state is
// embedded in the page from one replay, so stepping makes no request.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { localise } from './localise.js';

const steps = JSON.parse(document.getElementById('history-steps').textContent);
const text = JSON.parse(document.getElementById('history-text').textContent);
const items = [...document.querySelectorAll('.history-event')];
const slider = document.getElementById('history-slider');
const container = document.getElementById('history-diagram');
const viewer = new NavigatedViewer({ container });
let shownVersion = null;
let marked = [];
let current = steps.length - 1;
const READABLE = 0.75; // the procedures are wider than any screen: scroll, do not shrink

const fill = (template, values) => Object.entries(values)
  .reduce((out, [key, value]) => out.replace(`{${key}}`, value), template);

function cell(row, value, label) {
  const td = row.insertCell();
  td.textContent = value;
  if (label) td.dataset.label = label;
  return td;
}

function heads(table) {
  return [...table.querySelectorAll('thead th')].map((th) => th.textContent);
}

// The label of a dotted path from the form that produced it, else the path itself.
function labelOf(path) {
  return text.labels[path] || path;
}

function renderTable(id, rows, emptyId, fillRow) {
  const table = document.getElementById(id);
  const body = table.tBodies[0];
  body.replaceChildren();
  const names = heads(table);
  rows.forEach((row) => fillRow(body.insertRow(), row, names));
  table.hidden = rows.length === 0;
  document.getElementById(emptyId).hidden = rows.length !== 0;
}

function renderData(step) {
  const changed = new Set(Object.keys(step.diff));
  renderTable('history-data', Object.entries(step.data), 'history-data-none', (row, [path, value], names) => {
    row.dataset.path = path;
    if (changed.has(path)) row.classList.add('history-changed');
    cell(row, labelOf(path), names[0]).classList.add('history-field');
    cell(row, value, names[1]);
  });
  renderTable('history-diff', Object.entries(step.diff), 'history-diff-none', (row, [path, [old, now]], names) => {
    row.dataset.path = path;
    cell(row, labelOf(path), names[0]).classList.add('history-field');
    cell(row, old, names[1]).classList.add('history-old');
    cell(row, now, names[2]).classList.add('history-new');
  });
}

function line(badge, tone, words) {
  const div = document.createElement('div');
  const span = document.createElement('span');
  span.className = `badge badge-${tone}`;
  span.textContent = badge;
  div.append(span, ` ${words}`);
  return div;
}

function renderWaiting(step) {
  const box = document.getElementById('history-waiting');
  box.replaceChildren();
  if (step.error) {
    box.append(line('!', 'danger', `${text.failed} ${step.error}`));
    return;
  }
  step.tasks.forEach((t) => box.append(line(text.waiting, 'info',
    [t.name, t.lane, t.assignee, t.due].filter(Boolean).join(' · '))));
  step.timers.forEach((t) => box.append(line(text.timer, 'warning', [t.name, t.due].filter(Boolean).join(' — '))));
  step.messages.forEach((name) => box.append(line(text.message, 'neutral', name)));
  if (!box.children.length) box.textContent = text.nothing;
}

async function showVersion(version) {
  if (version === shownVersion || version === null) return;
  const source = document.getElementById(`bpmn-v${version}`);
  try {
    await viewer.importXML(localise(source ? source.textContent : '', container.dataset.lang,
      JSON.parse(container.dataset.lanes || '{}')));
  } catch (error) {
    container.textContent = container.dataset.error;
    return;
  }
  shownVersion = version;
  marked = [];
  viewer.get('canvas').zoom(READABLE);
}

// Centre the diagram on `element`, keeping the reader's zoom.
function centre(element) {
  const canvas = viewer.get('canvas');
  const box = canvas.viewbox();
  canvas.viewbox({ x: element.x + (element.width || 0) / 2 - box.width / 2,
    y: element.y + (element.height || 0) / 2 - box.height / 2,
    width: box.width, height: box.height });
}

function markDiagram(step) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  marked.forEach(([id, cls]) => registry.get(id) && canvas.removeMarker(id, cls));
  overlays.remove({ type: 'history-due' });
  marked = [];
  const mark = (id, cls) => {
    if (!registry.get(id)) return;
    canvas.addMarker(id, cls);
    marked.push([id, cls]);
  };
  [...step.completed, ...step.flows].forEach((id) => mark(id, 'state-completed'));
  step.tasks.forEach((t) => mark(t.element, 'state-current'));
  step.timers.forEach((t) => {
    mark(t.element, 'state-waiting');
    if (!t.due_label || !registry.get(t.element)) return;
    const due = document.createElement('div');
    due.className = 'diagram-due';
    due.dataset.testid = 'history-due';
    due.textContent = t.due_label;
    overlays.add(t.element, 'history-due', { position: { bottom: 14, left: -20 }, html: due });
  });
  // Follow the case: the first waiting element, else the last one completed.
  const focus = [...step.tasks, ...step.timers].map((t) => registry.get(t.element)).find(Boolean)
    || step.done_now.map((id) => registry.get(id)).find((e) => e && !e.waypoints);
  if (focus && !focus.waypoints) centre(focus);
}

async function select(index) {
  current = Math.max(0, Math.min(index, steps.length - 1));
  const step = steps[current];
  items.forEach((li, i) => {
    li.classList.toggle('selected', i === current);
    li.querySelector('button').setAttribute('aria-current', i === current ? 'step' : 'false');
  });
  keepInView(items[current]);
  slider.value = String(current);
  document.querySelector('[data-testid="history-position"]').textContent = fill(text.position,
    { n: String(current + 1), total: String(steps.length) });
  document.querySelector('[data-testid="history-version"]').textContent = step.version === null
    ? '' : fill(text.version, { n: String(step.version) });
  renderData(step);
  renderWaiting(step);
  await showVersion(step.version);
  if (shownVersion !== null) markDiagram(step);
  container.dataset.seq = String(step.seq);
  document.body.dataset.historySeq = String(step.seq);
  history.replaceState(null, '', `#seq-${step.seq}`);
}

// Scroll the event list (not the page) so that the selected event shows.
function keepInView(li) {
  const list = li.parentElement;
  if (li.offsetTop < list.scrollTop || li.offsetTop + li.offsetHeight > list.scrollTop + list.clientHeight) {
    list.scrollTop = li.offsetTop - list.clientHeight / 3;
  }
}

// Stepping moves among the events the filters leave visible.
function visible() {
  return items.map((li, i) => (li.hidden ? -1 : i)).filter((i) => i >= 0);
}

function move(where) {
  const shown = visible();
  if (!shown.length) return;
  const targets = {
    first: shown[0], last: shown[shown.length - 1],
    next: shown.find((i) => i > current) ?? shown[shown.length - 1],
    prev: [...shown].reverse().find((i) => i < current) ?? shown[0],
  };
  select(targets[where]);
}

function applyFilters() {
  const kind = document.getElementById('filter-kind').value;
  const actor = document.getElementById('filter-actor').value;
  items.forEach((li) => {
    li.hidden = (kind && li.dataset.kind !== kind) || (actor && li.dataset.actor !== actor);
  });
  const shown = visible();
  document.querySelector('[data-testid="history-none"]').hidden = shown.length > 0;
  if (shown.length && !shown.includes(current)) select(shown[0]);
}

const KEYS = { ArrowLeft: 'prev', ArrowRight: 'next', Home: 'first', End: 'last' };

window.addEventListener('keydown', (event) => {
  const tag = event.target.tagName;
  if (!KEYS[event.key] || ['INPUT', 'SELECT', 'TEXTAREA'].includes(tag) || event.altKey
      || event.ctrlKey || event.metaKey) return;
  event.preventDefault();
  move(KEYS[event.key]);
});

slider.addEventListener('input', () => select(Number(slider.value)));
document.getElementById('history-prev').addEventListener('click', () => move('prev'));
document.getElementById('history-next').addEventListener('click', () => move('next'));
items.forEach((li, i) => li.querySelector('button').addEventListener('click', () => select(i)));
document.getElementById('filter-kind').addEventListener('change', applyFilters);
document.getElementById('filter-actor').addEventListener('change', applyFilters);

// The address names the event shown (#seq-N), so a link or a reload opens it again.
function wantedIndex() {
  const wanted = /^#seq-(\d+)$/.exec(window.location.hash);
  return wanted ? steps.findIndex((s) => String(s.seq) === wanted[1]) : -1;
}

window.addEventListener('hashchange', () => {
  if (wantedIndex() >= 0) select(wantedIndex());
});

select(wantedIndex() >= 0 ? wantedIndex() : steps.length - 1).then(() => {
  document.body.dataset.historyReady = 'true';
});
