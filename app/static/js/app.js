// Small behaviours every page shares: confirmation prompts, auto-submitting filters.
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });
  document.querySelectorAll('[data-autosubmit]').forEach(function (element) {
    element.addEventListener('change', function () { element.form.submit(); });
  });
})();
