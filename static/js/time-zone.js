// The time zone <select> of the sign-up form and the manage page. Without JavaScript the reader
// picks their zone from the list; with it, the browser's own zone is picked for them on a fresh
// sign-up form (data-time-zone="pick") or offered on a button (data-time-zone="offer").
(function () {
  "use strict";

  var select = document.querySelector("select[data-time-zone]");
  var button = document.querySelector("[data-use-browser-zone]");
  var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!select || !zone || select.value === zone) return;
  var known = Array.prototype.some.call(select.options, function (option) { return option.value === zone; });
  if (!known) return; // a zone this server does not list: the reader picks from the list

  if (select.dataset.timeZone === "pick") {
    select.value = zone;
    return;
  }
  if (!button) return;
  button.textContent = "Use my time zone (" + zone + ")";
  button.hidden = false;
  button.addEventListener("click", function () {
    select.value = zone;
    button.hidden = true;
    select.focus();
  });
})();
