// "Expand all" / "Collapse all" for the folded groups of case data (details.data-group).
// Without this script the button stays hidden; each group still opens by itself, and the
// browser's find-in-page opens the group holding a match.
(function () {
  document.querySelectorAll("[data-expand-all]").forEach(function (button) {
    var block = button.closest(".card") || document;
    var groups = Array.prototype.slice.call(block.querySelectorAll("details.data-group"));
    if (groups.length < 2) return;
    function allOpen() {
      return groups.every(function (g) { return g.open; });
    }
    function label() {
      var open = allOpen();
      button.textContent = button.getAttribute(open ? "data-close-text" : "data-open-text");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      var open = !allOpen();
      groups.forEach(function (g) { g.open = open; });
      label();
    });
    groups.forEach(function (g) { g.addEventListener("toggle", label); });
  });
})();
