// Sizes each BPMN diagram so it is readable: wide procedures scroll sideways instead of
// shrinking to fit, and the view opens at the current step. Runs before the viewer
// (app/static/dist/viewer.js) fits the diagram into its container.
(function () {
  'use strict';
  var DC = 'http://www.omg.org/spec/DD/20100524/DC';
  var SCALE = 0.72;
  var MAX_HEIGHT = 520;
  function extent(xml) {
    var box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    var bounds = xml.getElementsByTagNameNS(DC, 'Bounds');
    for (var i = 0; i < bounds.length; i++) {
      var b = bounds[i];
      var x = +b.getAttribute('x'), y = +b.getAttribute('y');
      box.minX = Math.min(box.minX, x); box.minY = Math.min(box.minY, y);
      box.maxX = Math.max(box.maxX, x + +b.getAttribute('width'));
      box.maxY = Math.max(box.maxY, y + +b.getAttribute('height'));
    }
    return box;
  }
  function shapeX(xml, id) {
    var shapes = xml.getElementsByTagNameNS('*', 'BPMNShape');
    for (var i = 0; i < shapes.length; i++) {
      if (shapes[i].getAttribute('bpmnElement') === id) {
        var b = shapes[i].getElementsByTagNameNS(DC, 'Bounds')[0];
        return b ? +b.getAttribute('x') : null;
      }
    }
    return null;
  }
  document.querySelectorAll('[data-bpmn-viewer]').forEach(function (container) {
    var wrapper = container.parentElement;
    var source = document.getElementById(container.getAttribute('data-source'));
    var stateNode = document.getElementById(container.getAttribute('data-state'));
    if (!source || !wrapper.classList.contains('diagram-scroll')) return;
    var xml = new DOMParser().parseFromString(source.textContent, 'application/xml');
    var box = extent(xml);
    if (!isFinite(box.minX)) return;
    var width = box.maxX - box.minX + 80, height = box.maxY - box.minY + 80;
    var scale = Math.min(SCALE, MAX_HEIGHT / height);
    var available = wrapper.clientWidth;
    container.style.width = Math.max(available, Math.ceil(width * scale)) + 'px';
    container.style.height = Math.max(240, Math.ceil(height * scale)) + 'px';
    var state = stateNode ? JSON.parse(stateNode.textContent) : {};
    var focus = (state.current || []).concat((state.waiting || []).map(function (w) { return w.element; }))[0];
    var x = focus ? shapeX(xml, focus) : null;
    if (x !== null) wrapper.scrollLeft = Math.max(0, (x - box.minX) * scale - available / 2);
  });
})();
