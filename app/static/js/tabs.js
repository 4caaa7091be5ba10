// Tabs for [data-tabs] blocks: one panel shown at a time, arrow keys move between tabs.
// Without this script every panel stays visible (the tab list keeps its `hidden`).
(function () {
  document.querySelectorAll("[data-tabs]").forEach(function (block) {
    var list = block.querySelector("[role=tablist]");
    var tabs = Array.prototype.slice.call(block.querySelectorAll("[role=tab]"));
    if (!list || tabs.length < 2) return;
    list.hidden = false;
    block.classList.add("tabs-on");
    function show(tab, focus) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
      if (focus) tab.focus();
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { show(tab, false); });
      tab.addEventListener("keydown", function (e) {
        var step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
        if (e.key === "Home") show(tabs[0], true);
        else if (e.key === "End") show(tabs[tabs.length - 1], true);
        else if (step) show(tabs[(i + step + tabs.length) % tabs.length], true);
        else return;
        e.preventDefault();
      });
    });
    show(tabs[0], false);
  });
})();
