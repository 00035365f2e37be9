/* The essay page: select a passage, choose "New claim", confirm.
 *
 * Offsets are Python code points into the essay text, never UTF-16 units:
 * every text segment the server renders carries data-start (its offset in code
 * points), and lengths are counted with Array.from, which walks code points.
 * Labels after highlights carry data-point (the offset they stand at) and are
 * not part of the text. Clicking a highlight without selecting opens its claim.
 */
(function () {
  "use strict";

  var container = document.getElementById("essay-text");
  var panel = document.getElementById("new-claim-panel");
  var toolbar = document.getElementById("essay-toolbar");
  var button = document.getElementById("new-claim-button");
  var status = document.getElementById("selection-status");
  if (!container || !panel || !toolbar || !button) return;

  var pending = null; // {start, end} of the current selection, in code points

  function codePoints(s) {
    return Array.from(s).length;
  }

  function segments() {
    return Array.prototype.slice.call(container.querySelectorAll("[data-start]"));
  }

  // The essay text as rendered, in code points; rebuilt from the segments so labels are left out.
  function essayCodePoints() {
    var text = segments().map(function (el) { return el.textContent; }).join("");
    return Array.from(text);
  }

  // Code points in `seg` before the text node `node` at UTF-16 `offset`.
  function offsetInSegment(seg, node, offset) {
    var walker = document.createTreeWalker(seg, NodeFilter.SHOW_TEXT);
    var count = 0;
    var current;
    while ((current = walker.nextNode())) {
      if (current === node) return count + codePoints(current.data.slice(0, offset));
      count += codePoints(current.data);
    }
    return count;
  }

  function segmentEnd(seg) {
    return Number(seg.dataset.start) + codePoints(seg.textContent);
  }

  // The position just before `node` in document order (node is inside the container).
  function positionBefore(node) {
    var all = segments();
    for (var i = 0; i < all.length; i++) {
      var pos = node.compareDocumentPosition(all[i]);
      if (all[i] === node || all[i].contains(node) || node.contains(all[i]) || pos & Node.DOCUMENT_POSITION_FOLLOWING) {
        return Number(all[i].dataset.start);
      }
    }
    return all.length ? segmentEnd(all[all.length - 1]) : 0;
  }

  // A DOM boundary point (node, offset) as a code point offset into the essay text.
  function toOffset(node, offset) {
    var el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var label = el.closest("[data-point]");
    if (label && container.contains(label)) return Number(label.dataset.point);
    if (node.nodeType === Node.TEXT_NODE) {
      var seg = el.closest("[data-start]");
      if (seg && container.contains(seg)) return Number(seg.dataset.start) + offsetInSegment(seg, node, offset);
      return positionBefore(node);
    }
    if (offset < node.childNodes.length) return positionBefore(node.childNodes[offset]);
    // After the last child of an element: the end of the last segment inside it, or the position before what follows.
    var inside = node.querySelectorAll ? node.querySelectorAll("[data-start]") : [];
    if (node.hasAttribute && node.hasAttribute("data-start")) return segmentEnd(node);
    if (inside.length) return segmentEnd(inside[inside.length - 1]);
    return positionBefore(node);
  }

  function format(template, start, end) {
    return template.replace("%(start)s", start).replace("%(end)s", end);
  }

  function readSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return { outside: true };
    var start = toOffset(range.startContainer, range.startOffset);
    var end = toOffset(range.endContainer, range.endOffset);
    if (end < start) { var t = start; start = end; end = t; }
    // Leave out white space at either end, as a person means the words they selected.
    var chars = essayCodePoints();
    while (start < end && /\s/.test(chars[start])) start++;
    while (end > start && /\s/.test(chars[end - 1])) end--;
    if (end <= start) return null;
    return { start: start, end: end, quote: chars.slice(start, end).join("") };
  }

  function update() {
    var found = readSelection();
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
