// The dashboard's bulk form: select every row of the page, count the selection,
// and show only the fields the chosen action needs. Without JavaScript every
// field stays visible and the form still works.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("input.select-row"));
  var all = document.getElementById("select-page");
  var counter = form.querySelector(".selected-count");
  var action = form.querySelector("select[name=action]");
  var needs = { assign: ["assignee"], priority: ["priority"], due: ["due"], dismiss: ["comment"] };
  var optional = ["assignee", "priority", "due", "comment"];

  function count() {
    var chosen = rows.filter(function (box) { return box.checked; }).length;
    if (counter) {
      counter.textContent = chosen ? form.dataset.selectedLabel + chosen : "";
    }
    if (all) {
      all.checked = chosen > 0 && chosen === rows.length;
      all.indeterminate = chosen > 0 && chosen < rows.length;
    }
  }

  function showFields() {
    var wanted = needs[action.value] || [];
    optional.forEach(function (name) {
      var box = form.querySelector(".bulk-field-" + name);
      if (box) { box.hidden = wanted.indexOf(name) === -1; }
    });
  }

  if (all && rows.length) {
    all.hidden = false;
    all.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = all.checked; });
      count();
    });
  }
  rows.forEach(function (box) { box.addEventListener("change", count); });
  if (action) {
    action.addEventListener("change", showFields);
    showFields();
  }
  count();
})();
