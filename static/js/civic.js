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
})();
