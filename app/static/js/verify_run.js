// Verify a jurisdiction: POST /api/audit/verify a chunk at a time, showing progress, rates,
// the time left, failures by kind and each failing case with links. No framework.
(function () {
  'use strict';
  var form = document.getElementById('verify-run');
  var source = document.getElementById('verify-run-text');
  if (!form || !source) return;
  var TEXT = JSON.parse(source.textContent);  // translated texts and URLs from the page
  var $ = function (id) { return document.getElementById(id); };
  var run = null;

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }

  function localTime(iso) {
    var parts = {};
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric',
      month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + '-' + parts.month + '-' + parts.day + ' ' + parts.hour + ':' + parts.minute;
  }

  function duration(seconds) {
    if (seconds < 90) return fill(TEXT.seconds, { n: Math.max(1, Math.round(seconds)) });
    if (seconds < 5400) return fill(TEXT.minutes, { n: Math.round(seconds / 60) });
    return fill(TEXT.hours, { n: (seconds / 3600).toFixed(1) });
  }

  function cell(label, content) {
    var td = document.createElement('td');
    td.setAttribute('data-label', label);
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
    return td;
  }

  function link(href, text) {
    var a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  }

  function verifyButton(caseId) {
    var f = document.createElement('form');
    f.method = 'post';
    f.action = TEXT.verify_url.replace('987654321', caseId);
    f.innerHTML = '<input type="hidden" name="csrf_token">';
    f.firstChild.value = TEXT.csrf;
    var button = document.createElement('button');
    button.type = 'submit';
    button.className = 'btn btn-sm';
    button.textContent = TEXT.open_verify;
    f.appendChild(button);
    return f;
  }

  function where(result) {
    var failure = result.first_failure, anchor = result.anchor;
    if (failure) return fill(TEXT.event, { seq: failure.seq });
    if (anchor && anchor.line) {
      return fill(TEXT.event, { seq: anchor.seq }) + ' · ' +
        fill(TEXT.anchor, { line: anchor.line, at: localTime(anchor.at) });
    }
    return anchor ? TEXT.log : '';
  }

  function addFailure(result) {
    var kind = result.first_failure ? result.first_failure.kind
      : result.anchor ? (result.anchor.kind === 'case deleted' || result.anchor.kind ===
        'anchor log tampered' ? result.anchor.kind : 'anchor problem') : '';
    var row = document.createElement('tr');
    row.setAttribute('data-ref', result.ref || '');
    var actions = document.createElement('div');
    actions.className = 'actions';
    if (result.case_id) {
      row.appendChild(cell(TEXT.ref_label, link(TEXT.case_url.replace('987654321', result.case_id),
        result.ref)));
      actions.appendChild(verifyButton(result.case_id));
    } else {
      row.appendChild(cell(TEXT.ref_label, result.ref || TEXT.log));
    }
    row.appendChild(cell(TEXT.kind_label, TEXT.kinds[kind] || kind));
    row.appendChild(cell(TEXT.where_label, where(result)));
    row.appendChild(cell('', actions));
    document.querySelector('#verify-failures tbody').appendChild(row);
    $('verify-failures').hidden = false;
  }

  function show() {
    var elapsed = (Date.now() - run.started) / 1000, left = run.total - run.done;
    $('verify-bar').max = Math.max(run.total, 1);
    $('verify-bar').value = run.total ? run.done : 1;
    $('verify-done').textContent = run.done + ' / ' + run.total;
    if (elapsed > 0 && run.cases) {
      $('verify-case-rate').textContent = (run.cases / elapsed).toFixed(1);
      $('verify-event-rate').textContent = Math.round(run.events / elapsed);
      $('verify-eta').textContent = left > 0 ? duration(left * elapsed / run.cases) : '—';
    }
    $('verify-failed').textContent = run.failed;
    Object.keys(run.byKind).forEach(function (kind) {
      var row = document.querySelector('[data-kind="' + kind + '"] td:last-child');
      if (row) row.textContent = run.byKind[kind];
    });
  }

  function take(answer) {
    run.total = answer.total;
    run.done = answer.done;
    answer.results.forEach(function (result) {
      run.cases += 1;
      run.events += result.events;
      if (!result.ok) { run.failed += 1; addFailure(result); }
    });
    answer.problems.forEach(function (problem) {
      run.failed += 1;
      addFailure({ ref: problem.ref, anchor: problem });
    });
    Object.keys(answer.by_kind).forEach(function (kind) {
      run.byKind[kind] = (run.byKind[kind] || 0) + answer.by_kind[kind];
    });
    run.after = answer.next;
    show();
  }

  function finish(text, resumable) {
    $('verify-state').textContent = text;
    $('verify-stop').hidden = true;
    var start = $('verify-start');
    start.disabled = false;
    start.textContent = resumable ? TEXT.resume : TEXT.again;
    run.resumable = resumable;
  }

  async function next() {
    var response, answer;
    try {
      response = await fetch('/api/audit/verify', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json',
          'X-CSRFToken': TEXT.csrf },
        body: JSON.stringify({ jurisdiction: run.jurisdiction, after: run.after,
          limit: TEXT.chunk }) });
      answer = await response.json();
    } catch (error) {
      return finish(fill(TEXT.failed, { message: String(error.message || error) }), true);
    }
    if (!response.ok) {
      return finish(fill(TEXT.failed, { message: answer.error || response.status }), true);
    }
    take(answer);
    if (answer.next === null) {
      return finish(run.failed ? TEXT.finished : TEXT.all_ok, false);
    }
    if (run.stop) return finish(TEXT.stopped, true);
    return next();
  }

  function reset() {
    run = { jurisdiction: $('verify-jurisdiction').value, after: null, total: 0, done: 0,
      cases: 0, events: 0, failed: 0, byKind: {}, started: Date.now(), stop: false };
    document.querySelector('#verify-failures tbody').textContent = '';
    $('verify-failures').hidden = true;
    ['verify-case-rate', 'verify-event-rate', 'verify-eta'].forEach(function (id) {
      $(id).textContent = '—';
    });
    document.querySelectorAll('[data-kind] td:last-child').forEach(function (td) {
      td.textContent = '0';
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!run || !run.resumable) reset();
    else Object.assign(run, { started: Date.now(), cases: 0, events: 0 });  // rates of this leg
    run.stop = false;
    run.resumable = false;
    $('verify-progress').hidden = false;
    $('verify-summary').hidden = false;
    $('verify-start').disabled = true;
    $('verify-stop').hidden = false;
    $('verify-state').textContent = TEXT.running;
    next();
  });

  $('verify-stop').addEventListener('click', function () {
    run.stop = true;
    $('verify-state').textContent = TEXT.stopping;
  });

  $('verify-jurisdiction').addEventListener('change', function () {
    if (run) run.resumable = false;  // another jurisdiction starts from its first case
    $('verify-start').textContent = $('verify-start').getAttribute('data-start');
  });
}());
