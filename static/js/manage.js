// The manage page without waiting for a button: each topic form previews its query as the
// reader types, and the schedule offers the browser's time zone. Without JavaScript the page
// works the same through its Preview buttons and typed time zones.
(function () {
  "use strict";

  var DELAY_MS = 300; // wait for a pause in typing, so each keystroke does not cost a request

  function livePreview(form) {
    var query = form.querySelector("[data-query]");
    var upvotes = form.querySelector("[data-min-upvotes]");
    var output = form.querySelector("[data-preview-output]");
    var button = form.querySelector("[data-preview-button]");
    if (!query || !output) return;
    if (button) button.hidden = true; // the preview follows the typing instead
    var timer = null;
    var latest = 0;

    function refresh() {
      var asked = ++latest;
      var params = new URLSearchParams({ query: query.value, min_upvotes: upvotes ? upvotes.value : "0" });
      fetch(form.dataset.preview + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          if (asked === latest) output.innerHTML = html; // an older answer never overwrites a newer one
        })
        .catch(function () { /* the Preview button's fallback: the page still saves and previews */ });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    }

    query.addEventListener("input", later);
    if (upvotes) upvotes.addEventListener("input", later);
  }

  function offerBrowserZone() {
    var input = document.querySelector("[data-time-zone]");
    var button = document.querySelector("[data-use-browser-zone]");
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!input || !button || !zone || input.value === zone) return;
    button.textContent = "Use my time zone (" + zone + ")";
    button.hidden = false;
    button.addEventListener("click", function () {
      input.value = zone;
      button.hidden = true;
      input.focus();
    });
  }

  function offerCopy() {
    var source = document.querySelector("[data-copy-source]");
    var button = document.querySelector("[data-copy-button]");
    if (!source || !button || !navigator.clipboard) return; // the address stays selectable
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () { button.textContent = "Copied"; });
    });
  }

  document.querySelectorAll("form[data-preview]").forEach(livePreview);
  offerBrowserZone();
  offerCopy();
})();
