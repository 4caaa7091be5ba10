// Registration: offer only the counties of the chosen city.
(function () {
  'use strict';
  var city = document.getElementById('jurisdiction');
  var county = document.getElementById('county');
  var source = document.getElementById('county-groups');
  if (!city || !county || !source) return;
  var groups = JSON.parse(source.textContent);
  function update() {
    var allowed = groups[city.value] || [];
    Array.prototype.forEach.call(county.options, function (option) {
      var show = option.value === '' || allowed.indexOf(option.value) >= 0;
      option.hidden = !show;
      option.disabled = !show;
    });
    Array.prototype.forEach.call(county.querySelectorAll('optgroup'), function (group) {
      group.hidden = !group.querySelector('option:not([disabled])');
    });
    if (county.value && allowed.indexOf(county.value) < 0) county.value = '';
  }
  city.addEventListener('change', update);
  update();
})();
