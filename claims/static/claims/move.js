/* Moving a claim to another passage: select the passage in the essay's text shown on the page and the
 * form takes its start and end (offsets.js, the same offsets as the essay page and the server); the
 * "paste the words" and offset fields stay for keyboards and for passages hard to select.
 */
(function () {
  "use strict";

  var container = document.getElementById("move-text");
  var status = document.getElementById("move-selection");
  var start = document.getElementById("id_start");
  var end = document.getElementById("id_end");
  var passage = document.getElementById("id_passage");
  if (!container || !status || !start || !end || !passage || !window.DeskOffsets) return;

  function format(template, found) {
    return template.replace("%(start)s", found.start).replace("%(end)s", found.end).replace("%(quote)s", found.quote);
  }

  container.hidden = false;
  status.hidden = false;
  document.addEventListener("selectionchange", function () {
    var found = window.DeskOffsets.readSelection(container);
    if (!found || found.outside) return; // a selection elsewhere (a field of the form) leaves the choice as it was
    start.value = found.start;
    end.value = found.end;
    passage.value = ""; // the selection is the passage: the form then uses its offsets
    status.textContent = format(status.dataset.ready, found);
  });
})();
