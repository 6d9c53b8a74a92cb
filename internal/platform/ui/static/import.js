// An import's progress page: asks for the import's status twice a second,
// moves the bar, and reloads the page (which then shows the report) when
// the import is done. Without this script the page has a reload link.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = document.getElementById("import-bar");
  var rows = box.querySelector("[data-rows]");
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.done) { window.location.reload(); return; }
        if (s.bytes > 0) { bar.value = Math.floor(100 * s.bytes_read / s.bytes); }
        rows.textContent = s.rows.toLocaleString();
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();
