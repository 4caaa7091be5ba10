// Task forms, nothing lost: one section at a time with its step list, the error summary
// (focus, links, counting down as fields are corrected), automatic drafts, a warning before
// leaving with unsaved changes, and the session-expiry warning with 续期. Without this script
// every section shows and 下一步 / 保存草稿 / 提交 work as plain form posts.
(function () {
  'use strict';
  var form = document.querySelector('[data-task-form]');
  if (!form) return;
  var source = document.getElementById('taskform-text');
  var TEXT = source ? JSON.parse(source.textContent) : {};
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var canSave = form.getAttribute('data-can-save') === 'true';
  var note = form.querySelector('[data-autosave-note]');

  // ------------------------------------------------------------------ sections
  var sections = Array.prototype.slice.call(form.querySelectorAll('[data-section]'));
  var steps = form.querySelector('[data-form-steps]');
  function sectionOf(element) { var s = element && element.closest('[data-section]'); return s ? s.getAttribute('data-section') : null; }
  function show(name, focus) {
    if (!sections.length) return;
    var index = 0;
    sections.forEach(function (section, i) {
      var current = section.getAttribute('data-section') === name;
      section.hidden = !current;
      if (current) index = i;
    });
    steps.querySelectorAll('[data-step]').forEach(function (li, i) {
      var link = li.querySelector('a');
      if (i === index) link.setAttribute('aria-current', 'step'); else link.removeAttribute('aria-current');
      li.classList.toggle('done', i < index);
    });
    var progress = steps.querySelector('[data-steps-progress]');
    progress.textContent = progress.getAttribute('data-template').replace('{n}', index + 1).replace('{total}', sections.length);
    if (focus) sections[index].focus();
  }
  function markStepErrors() {
    steps.querySelectorAll('[data-step]').forEach(function (li) { li.classList.remove('has-error'); });
    form.querySelectorAll('[data-error-for]').forEach(function (item) {
      var name = sectionOf(document.getElementById(item.getAttribute('data-error-for')));
      var li = name && steps.querySelector('[data-step="' + name + '"]');
      if (li && !item.hidden) li.classList.add('has-error');
    });
  }
  if (sections.length) {
    form.classList.add('js-steps');
    var firstError = form.querySelector('[data-error-for]');
    var hash = window.location.hash.replace('#section-', '');
    var start = (firstError && sectionOf(document.getElementById(firstError.getAttribute('data-error-for'))))
      || steps.getAttribute('data-current') || hash || sections[0].getAttribute('data-section');
    if (!form.querySelector('[data-section="' + start + '"]')) start = sections[0].getAttribute('data-section');
    show(start, false);
    markStepErrors();
    form.addEventListener('click', function (event) {
      var link = event.target.closest('[data-step-link]');
      if (!link) return;
      event.preventDefault();
      show(link.getAttribute('data-step-link'), true);
      saveSoon(0);
    });
  }

  // ------------------------------------------------------------------ error summary
  var summary = form.querySelector('[data-error-summary]');
  function countDown() {
    if (!summary) return;
    var left = summary.querySelectorAll('[data-error-for]:not([hidden])').length;
    summary.querySelector('[data-error-count]').textContent = left ? TEXT.remaining.replace('{n}', left) : TEXT.allFixed;
    summary.classList.toggle('fixed', !left);
    if (sections.length) markStepErrors();
  }
  if (summary) {
    summary.focus();
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a[href^="#"]');
      if (!link) return;
      var target = document.getElementById(link.getAttribute('href').slice(1));
      if (!target) return;
      event.preventDefault();
      if (sections.length) show(sectionOf(target), false);
      var control = target.matches('input, select, textarea') ? target : target.querySelector('input:not([type=hidden]), select, textarea');
      target.scrollIntoView({ block: 'center' });
      (control || target).focus();
    });
  }
  function filled(control) {
    if (control.type === 'checkbox') return control.checked;
    return control.value.trim() !== '';
  }
  // A corrected field loses its message; a required one only once it holds something.
  function clearError(control) {
    var holder = control.closest('td.cell-error') || control.closest('.field.has-error');
    if (!holder) return;
    var required = holder.matches('td') ? false : !!holder.querySelector('.req');
    if (required && !filled(control)) return;
    holder.classList.remove('has-error', 'cell-error');
    holder.querySelectorAll('ul.errors, .cell-msg').forEach(function (m) { m.remove(); });
    holder.querySelectorAll('[aria-invalid]').forEach(function (c) { c.removeAttribute('aria-invalid'); });
    holder.querySelectorAll('[id]').forEach(function (element) {
      var item = summary && summary.querySelector('[data-error-for="' + element.id + '"]');
      if (item) item.hidden = true;
    });
    var wrapper = holder.closest('[data-field]');
    var item = wrapper && summary && summary.querySelector('[data-error-for="field-' + wrapper.getAttribute('data-field') + '"]');
    if (item && !holder.matches('td')) item.hidden = true;
    countDown();
  }

  // ------------------------------------------------------------------ autosave, leaving
  var dirty = false;
  var leaving = false;
  var timer = null;
  var expired = false;
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function saveNow() {
    timer = null;
    if (!dirty || !canSave || expired) { form.setAttribute('data-autosave', 'idle'); return; }
    dirty = false;
    form.setAttribute('data-autosave', 'saving');
    fetch(form.getAttribute('data-draft-url'), {
      method: 'POST', body: new FormData(form), credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRFToken': csrf ? csrf.content : '' }
    }).then(function (response) {
      return response.json().then(function (json) { return { status: response.status, json: json }; });
    }).then(function (result) {
      if (result.status === 401) { ended(result.json); return; }
      if (result.status !== 200) throw new Error('not saved');
      note.textContent = TEXT.autosaved.replace('{time}', result.json.saved_at);
      contact();
      form.setAttribute('data-autosave', timer ? 'pending' : 'saved');
    }).catch(function () { dirty = true; note.textContent = TEXT.autosaveFailed; form.setAttribute('data-autosave', 'failed'); });
  }
  function saveSoon(delay) {
    if (timer) window.clearTimeout(timer);
    form.setAttribute('data-autosave', 'pending');
    timer = window.setTimeout(saveNow, delay === undefined ? 2000 : delay);
  }
  function changed(event) {
    if (event.target.matches('input, select, textarea')) clearError(event.target);
    dirty = true;
    saveSoon();
  }
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', function () { leaving = true; });
  window.addEventListener('beforeunload', function (event) {
    if (!dirty || leaving) return undefined;
    event.preventDefault();
    event.returnValue = TEXT.unsaved;
    return TEXT.unsaved;
  });

  // ------------------------------------------------------------------ session expiry
  var seconds = Number(form.getAttribute('data-session-seconds') || 0);
  var banner = document.createElement('div');
  banner.className = 'alert alert-warning session-banner';
  banner.setAttribute('role', 'alert');
  banner.setAttribute('data-testid', 'session-warning');
  banner.hidden = true;
  form.parentNode.insertBefore(banner, form);
  var lastContact = Date.now();
  var checker = null;
  function contact() { lastContact = Date.now(); banner.hidden = true; }
  function clock(ms) { var d = new Date(ms); return two(d.getHours()) + ':' + two(d.getMinutes()); }
  function ended(json) {
    expired = true;
    banner.hidden = false;
    banner.textContent = (json && json.kept ? TEXT.sessionKept : TEXT.sessionEnded) + ' ';
    var link = document.createElement('a');
    link.href = (json && json.login) || ('/login?next=' + encodeURIComponent(window.location.pathname));
    link.className = 'btn btn-sm btn-primary';
    link.textContent = TEXT.logIn;
    if (json && json.kept) { dirty = false; }
    banner.appendChild(link);
  }
  function renew() {
    fetch(form.getAttribute('data-renew-url'), {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRFToken': csrf ? csrf.content : '' }
    }).then(function (response) {
      if (!response.ok) { ended(null); return; }
      contact();
      note.textContent = TEXT.renewed;
    }).catch(function () { note.textContent = TEXT.network; });
  }
  function warn(endsAt) {
    banner.hidden = false;
    banner.textContent = TEXT.sessionSoon.replace('{time}', clock(endsAt)) + ' ';
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-sm btn-primary';
    button.setAttribute('data-renew', '');
    button.textContent = TEXT.renew;
    button.addEventListener('click', renew);
    banner.appendChild(button);
  }
  function check() {
    if (expired || !seconds) return;
    var endsAt = lastContact + seconds * 1000;
    var margin = Math.min(300, seconds / 5) * 1000;
    if (Date.now() >= endsAt) ended(null);
    else if (Date.now() >= endsAt - margin && banner.hidden) warn(endsAt);
  }
  if (seconds) checker = window.setInterval(check, 15000);
  window.addEventListener('focus', check);
  form.setAttribute('data-guide-ready', checker ? 'true' : 'false');
})();
