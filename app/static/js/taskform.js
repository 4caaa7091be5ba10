// Task forms: rows of tables (add / remove), show_if fields, file uploads. No framework.
(function () {
  'use strict';
  var form = document.querySelector('[data-task-form]');
  if (!form) return;
  // Messages come translated from the page (no UI text in scripts).
  var source = document.getElementById('taskform-text');
  var TEXT = source ? JSON.parse(source.textContent) : {};

  // ------------------------------------------------------------------ show_if
  function valueOf(name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    var first = inputs[0];
    if (first.type === 'checkbox' && inputs.length === 1) return first.checked;
    if (first.type === 'checkbox' || first.type === 'radio') {
      var chosen = [];
      inputs.forEach(function (i) { if (i.checked) chosen.push(i.value); });
      return first.type === 'radio' ? chosen[0] : chosen;
    }
    if (first.type === 'number' && first.value !== '') return Number(first.value);
    return first.value;
  }
  function holds(condition, hidden) {
    if (hidden[condition.field]) return false;
    var value = valueOf(condition.field);
    var allowed = 'in' in condition ? condition['in'] : [condition.equals];
    return allowed.some(function (v) { return v === value; });
  }
  function applyConditions() {
    var hidden = {};
    form.querySelectorAll('[data-field]').forEach(function (wrapper) {
      var raw = wrapper.getAttribute('data-show-if');
      var show = true;
      if (raw) show = holds(JSON.parse(raw), hidden);
      wrapper.hidden = !show;
      if (!show) hidden[wrapper.getAttribute('data-field')] = true;
    });
  }
  form.addEventListener('change', applyConditions);
  form.addEventListener('input', applyConditions);
  applyConditions();

  // ------------------------------------------------------------------ table rows
  function renumber(tbody) {
    tbody.querySelectorAll('tr[data-row]').forEach(function (row, index) {
      var cell = row.querySelector('[data-row-no]');
      if (cell) cell.textContent = String(index + 1);
      // Accessible names carry the row number too ("企业名称 (第 2 行)").
      row.querySelectorAll('[data-label-template]').forEach(function (element) {
        element.setAttribute('aria-label', element.getAttribute('data-label-template').replace('{n}', String(index + 1)));
      });
    });
  }
  function nextIndex(tbody, name) {
    var highest = -1;
    var pattern = new RegExp('^' + name + '-(\\d+)-');
    tbody.querySelectorAll('[name]').forEach(function (input) {
      var match = pattern.exec(input.name);
      if (match) highest = Math.max(highest, Number(match[1]));
    });
    return highest + 1;
  }
  function clearRow(row) {
    row.querySelectorAll('input, select, textarea').forEach(function (input) {
      if (input.type === 'checkbox' || input.type === 'radio') input.checked = false;
      else if (input.tagName === 'SELECT') input.selectedIndex = 0;
      else input.value = '';
      input.removeAttribute('aria-invalid');
    });
    row.querySelectorAll('.cell-msg').forEach(function (m) { m.remove(); });
    row.querySelectorAll('.cell-error').forEach(function (c) { c.classList.remove('cell-error'); });
  }
  function addRow(name) {
    var table = form.querySelector('[data-rows-for="' + name + '"]');
    var tbody = table.tBodies[0];
    var fieldset = table.closest('[data-max-rows]');
    var max = Number(fieldset.getAttribute('data-max-rows') || 0);
    var rows = tbody.querySelectorAll('tr[data-row]');
    if (max && rows.length >= max) return;
    var template = rows[rows.length - 1];
    var index = nextIndex(tbody, name);
    var copy = template.cloneNode(true);
    var pattern = new RegExp('^' + name + '-\\d+-');
    copy.querySelectorAll('[name], [id], label[for]').forEach(function (element) {
      ['name', 'id', 'for'].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value && pattern.test(value)) element.setAttribute(attribute, value.replace(pattern, name + '-' + index + '-'));
      });
    });
    clearRow(copy);
    tbody.appendChild(copy);
    renumber(tbody);
    var first = copy.querySelector('input:not([type=hidden]), select, textarea');
    if (first) first.focus();
  }
  form.addEventListener('click', function (event) {
    var add = event.target.closest('[data-add-row]');
    if (add) { addRow(add.getAttribute('data-add-row')); return; }
    var remove = event.target.closest('[data-remove-row]');
    if (remove) {
      var row = remove.closest('tr');
      var tbody = row.parentNode;
      if (tbody.querySelectorAll('tr[data-row]').length > 1) row.remove();
      else clearRow(row);
      renumber(tbody);
    }
  });

  // ------------------------------------------------------------------ files
  var csrf = document.querySelector('meta[name="csrf-token"]');
  function ids(hidden) { return hidden.value ? hidden.value.split(',').filter(Boolean) : []; }
  function extension(name) { var dot = name.lastIndexOf('.'); return dot < 0 ? '' : name.slice(dot + 1).toLowerCase(); }
  function sizeLabel(size) {
    if (size < 1024) return size + ' B';
    if (size < 1048576) return Math.round(size / 1024) + ' KB';
    return (size / 1048576).toFixed(1) + ' MB';
  }
  function fileItem(info) {
    var li = document.createElement('li');
    li.setAttribute('data-id', info.id);
    var icon = document.createElement('span');
    icon.className = 'file-icon';
    icon.textContent = (extension(info.name) || 'file').toUpperCase();
    var name = document.createElement('span');
    name.className = 'file-name';
    name.textContent = info.name;
    var meta = document.createElement('span');
    meta.className = 'file-meta';
    meta.textContent = (info.size_label || sizeLabel(info.size)) + ' · ' + info.content_type;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-sm btn-danger';
    button.setAttribute('data-remove-file', '');
    button.textContent = TEXT.remove;
    li.append(icon, name, meta, button);
    return li;
  }
  function upload(box, file) {
    var hidden = box.querySelector('input[type=hidden]');
    var status = box.querySelector('[data-file-status]');
    var list = box.querySelector('[data-file-list]');
    var accept = (box.getAttribute('data-accept') || '').split(',').filter(Boolean);
    var maxMb = Number(box.getAttribute('data-max-size-mb') || 20);
    var maxFiles = Number(box.getAttribute('data-max-files') || 0);
    status.classList.remove('error');
    if (accept.length && accept.indexOf(extension(file.name)) < 0) { status.textContent = TEXT.failed + TEXT.badType; status.classList.add('error'); return; }
    if (file.size > maxMb * 1048576) { status.textContent = TEXT.failed + TEXT.tooLarge.replace('{mb}', maxMb); status.classList.add('error'); return; }
    if (maxFiles && ids(hidden).length >= maxFiles) { status.textContent = TEXT.tooMany; status.classList.add('error'); return; }
    var body = new FormData();
    body.append('file', file);
    status.textContent = TEXT.uploading + ' ' + file.name;
    fetch(box.getAttribute('data-upload-url'), {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrf ? csrf.content : '', 'Accept': 'application/json' }
    }).then(function (response) {
      return response.json().catch(function () { return { error: response.status === 413 ? TEXT.tooLarge.replace('{mb}', maxMb) : TEXT.network }; })
        .then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      if (!result.ok) {
        var detail = (result.json.errors && result.json.errors.length) ? result.json.errors.join(' ') : result.json.error;
        status.textContent = TEXT.failed + (detail || TEXT.network);
        status.classList.add('error');
        return;
      }
      hidden.value = ids(hidden).concat([result.json.id]).join(',');
      list.appendChild(fileItem(result.json));
      status.textContent = TEXT.uploaded + ': ' + file.name;
    }).catch(function () {
      status.textContent = TEXT.failed + TEXT.network;
      status.classList.add('error');
    });
  }
  form.querySelectorAll('[data-file-field]').forEach(function (box) {
    var picker = box.querySelector('input[type=file]');
    picker.addEventListener('change', function () {
      Array.prototype.forEach.call(picker.files, function (file) { upload(box, file); });
      picker.value = '';
    });
    box.addEventListener('click', function (event) {
      var remove = event.target.closest('[data-remove-file]');
      if (!remove) return;
      var li = remove.closest('li');
      var hidden = box.querySelector('input[type=hidden]');
      hidden.value = ids(hidden).filter(function (id) { return id !== li.getAttribute('data-id'); }).join(',');
      li.remove();
    });
  });

  // ------------------------------------------------------------------ no double submit
  form.addEventListener('submit', function () {
    window.setTimeout(function () {
      form.querySelectorAll('button[type=submit]').forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
