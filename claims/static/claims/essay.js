/* The essay page: select a passage, choose "New claim", confirm.
 *
 * Offsets come from offsets.js (code points, as the server counts them).
 * Clicking a highlight without selecting opens its claim.
 */
(function () {
  "use strict";

  var container = document.getElementById("essay-text");
  var panel = document.getElementById("new-claim-panel");
  var toolbar = document.getElementById("essay-toolbar");
  var button = document.getElementById("new-claim-button");
  var status = document.getElementById("selection-status");
  if (!container || !panel || !toolbar || !button || !window.DeskOffsets) return;

  var pending = null; // {start, end} of the current selection, in code points

  function format(template, start, end) {
    return template.replace("%(start)s", start).replace("%(end)s", end);
  }

  function update() {
    var found = window.DeskOffsets.readSelection(container);
    if (found && found.outside) {
      pending = null;
      status.textContent = panel.dataset.outside;
    } else if (found) {
      pending = found;
      status.textContent = format(panel.dataset.ready, found.start, found.end);
    } else {
      pending = null;
      status.textContent = panel.dataset.empty;
    }
    button.disabled = pending === null;
  }

  function openPanel() {
    if (!pending) { update(); if (!pending) return; }
    document.getElementById("js_start").value = pending.start;
    document.getElementById("js_end").value = pending.end;
    document.getElementById("js_quote").value = pending.quote;
    document.getElementById("new-claim-quote").textContent = pending.quote;
    document.getElementById("new-claim-span").textContent = format(panel.dataset.selected, pending.start, pending.end);
    panel.hidden = false;
    document.getElementById("js_claim_type").focus();
  }

  toolbar.hidden = false;
  document.addEventListener("selectionchange", update);
  // Keep the selection when the button is pressed; the click then reads it.
  button.addEventListener("mousedown", function (event) { event.preventDefault(); });
  button.addEventListener("click", openPanel);
  document.getElementById("new-claim-cancel").addEventListener("click", function () {
    panel.hidden = true;
    button.focus();
  });

  // A click on a highlight opens its claim; a double click or a drag selects text instead,
  // so the page waits a moment and opens the claim only if nothing got selected.
  var pendingOpen = null;
  container.addEventListener("click", function (event) {
    var mark = event.target.closest("mark[data-href]");
    if (!mark || event.target.closest("a") || event.detail > 1) {
      window.clearTimeout(pendingOpen);
      return;
    }
    window.clearTimeout(pendingOpen);
    pendingOpen = window.setTimeout(function () {
      var selection = window.getSelection();
      if (selection && !selection.isCollapsed) return;
      window.location.assign(mark.dataset.href);
    }, 300);
  });
})();
