/* The one definition of an offset on the desk's pages, shared by the essay page (essay.js) and the page
 * that moves a claim to another passage (move.js).
 *
 * Offsets are Python code points into the essay text, never UTF-16 units:
 * every text segment the server renders (claims/text.py highlight_text) carries
 * data-start (its offset in code points), and lengths are counted with
 * Array.from, which walks code points. Labels after highlights carry
 * data-point (the offset they stand at) and are not part of the text.
 *
 * DeskOffsets.readSelection(container) gives {start, end, quote} for the
 * current selection inside container (white space at either end left out),
 * {outside: true} when it reaches outside, or null when nothing is selected.
 */
(function () {
  "use strict";

  function codePoints(s) {
    return Array.from(s).length;
  }

  function segments(container) {
    return Array.prototype.slice.call(container.querySelectorAll("[data-start]"));
  }

  // The essay text as rendered, in code points; rebuilt from the segments so labels are left out.
  function essayCodePoints(container) {
    var text = segments(container).map(function (el) { return el.textContent; }).join("");
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
  function positionBefore(container, node) {
    var all = segments(container);
    for (var i = 0; i < all.length; i++) {
      var pos = node.compareDocumentPosition(all[i]);
      if (all[i] === node || all[i].contains(node) || node.contains(all[i]) || pos & Node.DOCUMENT_POSITION_FOLLOWING) {
        return Number(all[i].dataset.start);
      }
    }
    return all.length ? segmentEnd(all[all.length - 1]) : 0;
  }

  // A DOM boundary point (node, offset) as a code point offset into the essay text.
  function toOffset(container, node, offset) {
    var el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var label = el.closest("[data-point]");
    if (label && container.contains(label)) return Number(label.dataset.point);
    if (node.nodeType === Node.TEXT_NODE) {
      var seg = el.closest("[data-start]");
      if (seg && container.contains(seg)) return Number(seg.dataset.start) + offsetInSegment(seg, node, offset);
      return positionBefore(container, node);
    }
    if (offset < node.childNodes.length) return positionBefore(container, node.childNodes[offset]);
    // After the last child of an element: the end of the last segment inside it, or the position before what follows.
    var inside = node.querySelectorAll ? node.querySelectorAll("[data-start]") : [];
    if (node.hasAttribute && node.hasAttribute("data-start")) return segmentEnd(node);
    if (inside.length) return segmentEnd(inside[inside.length - 1]);
    return positionBefore(container, node);
  }

  function readSelection(container) {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return { outside: true };
    var start = toOffset(container, range.startContainer, range.startOffset);
    var end = toOffset(container, range.endContainer, range.endOffset);
    if (end < start) { var t = start; start = end; end = t; }
    // Leave out white space at either end, as a person means the words they selected.
    var chars = essayCodePoints(container);
    while (start < end && /\s/.test(chars[start])) start++;
    while (end > start && /\s/.test(chars[end - 1])) end--;
    if (end <= start) return null;
    return { start: start, end: end, quote: chars.slice(start, end).join("") };
  }

  window.DeskOffsets = { readSelection: readSelection };
})();
