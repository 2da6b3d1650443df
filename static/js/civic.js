/* civic: small enhancements on top of pages that work without JavaScript. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Move focus to an error summary so screen-reader users hear what went wrong.
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); return true; }
    return false;
  }

  document.addEventListener("DOMContentLoaded", function () { focusErrorSummary(); });

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Boosted navigation swaps only <body>: carry over the page language and direction, then put
  // focus where a full page load would leave a screen-reader user: the start of the content.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.boosted) { return; }
    var xhr = event.detail.xhr;
    var match = xhr && /<html[^>]*\blang="([^"]+)"[^>]*\bdir="([^"]+)"/.exec(xhr.responseText);
    if (match) {
      document.documentElement.lang = match[1];
      document.documentElement.dir = match[2];
    }
    if (!focusErrorSummary()) {
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: false }); }
    }
  });
  // A partial swap (a comment thread re-rendered after posting): focus the new comment or the
  // problem, and repeat the status message so screen readers announce the freshly inserted region.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    if (event.detail.boosted || !root || !root.querySelectorAll) { return; }
    var target = root.querySelector("[data-focus-on-load]");
    if (target) { target.removeAttribute("data-focus-on-load"); target.focus(); }
    root.querySelectorAll("[role=status]").forEach(function (region) {
      var html = region.innerHTML;
      if (!region.textContent.trim()) { return; }
      region.innerHTML = "";
      window.setTimeout(function () { region.innerHTML = html; }, 150);
    });
  });
})();
