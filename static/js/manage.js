// The manage page without waiting for a button: each topic form previews its query as the
// reader types (the time zone is time-zone.js's). Without JavaScript the page works the same
// through its Preview buttons.
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
          if (asked !== latest) return; // an older answer never overwrites a newer one
          output.innerHTML = html;
          // The query is marked while the parser refuses it; its complaint is in the output,
          // which the query's aria-describedby names.
          if (output.querySelector(".query-error")) query.setAttribute("aria-invalid", "true");
          else query.removeAttribute("aria-invalid");
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

  function offerCopy() {
    var source = document.querySelector("[data-copy-source]");
    var button = document.querySelector("[data-copy-button]");
    if (!source || !button || !navigator.clipboard) return; // the address stays selectable
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () { button.textContent = "Copied"; });
    });
  }

  // A page shown back with errors starts with their summary: take the reader (and their screen
  // reader) there first.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  document.querySelectorAll("form[data-preview]").forEach(livePreview);
  offerCopy();
  focusErrorSummary();
})();
