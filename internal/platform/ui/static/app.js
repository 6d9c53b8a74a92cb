// mops UI behaviour. Every page works without this file; it only adds
// conveniences. Hooks are data attributes, so no inline script is needed
// (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // <button data-confirm="Revoke this key?"> asks before submitting its form.
  document.addEventListener("submit", function (ev) {
    var btn = ev.submitter;
    var msg = (btn && btn.getAttribute("data-confirm")) || ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
    }
  });

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-copy]");
    if (el) {
      // <button data-copy="#snippet"> copies the text of the target element.
      var target = document.querySelector(el.getAttribute("data-copy"));
      if (target && navigator.clipboard) {
        navigator.clipboard.writeText(target.value || target.textContent.trim()).then(function () {
          var old = el.textContent;
          el.textContent = "Copied";
          setTimeout(function () { el.textContent = old; }, 1500);
        });
      }
      return;
    }
    var toggle = ev.target.closest("[data-toggle]");
    if (toggle) {
      // <button data-toggle="sidebar"> opens and closes the sidebar on small screens.
      var panel = document.getElementById(toggle.getAttribute("data-toggle"));
      if (panel) { panel.classList.toggle("open"); }
      return;
    }
    // A click outside an open menu closes it.
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (!d.contains(ev.target)) { d.removeAttribute("open"); }
    });
  });

  // <select data-autosubmit> submits its form when changed (GET filters).
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("[data-autosubmit]")) {
      ev.target.form.requestSubmit();
    }
  });
})();
