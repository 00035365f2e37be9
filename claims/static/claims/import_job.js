// Progressive enhancement for the import pages (no inline script: the CSP forbids it).
// 1. The progress of a background import: poll the job's JSON and move the bar; reload when it ends.
// 2. A form of proposals: post what was unticked as one JSON field, never one field per proposal
//    (a long essay has thousands; Django refuses more than 1,000 fields).
(function () {
  "use strict";

  var job = document.getElementById("job");
  if (job && job.dataset.statusUrl) {
    var bar = document.getElementById("job-bar");
    var text = document.getElementById("job-text");
    var poll = function () {
      fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (state) {
          if (state.finished) { window.location.reload(); return; }
          bar.max = Math.max(state.parts, 1);
          bar.value = state.parts_done;
          bar.textContent = state.parts_done + " / " + state.parts;
          text.textContent = state.status === "queued"
            ? job.dataset.waiting
            : job.dataset.parts.replace("%(done)s", state.parts_done).replace("%(parts)s", state.parts);
          window.setTimeout(poll, 700);
        })
        .catch(function () {
          text.textContent = job.dataset.failedPoll;
          window.setTimeout(poll, 3000);
        });
    };
    window.setTimeout(poll, 300);
  }

  document.querySelectorAll("form[data-proposals]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var boxes = form.querySelectorAll('input[type="checkbox"][name="keep"]');
      var unticked = [];
      boxes.forEach(function (box) {
        if (!box.checked) { unticked.push(box.value); }
        box.disabled = true;  // disabled boxes are not posted
      });
      var submitter = event.submitter;
      if (!submitter || submitter.name === "import") {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "unticked";
        field.value = JSON.stringify(unticked);
        form.appendChild(field);
      }
      // After a back navigation the boxes must work again.
      window.addEventListener("pageshow", function () { boxes.forEach(function (box) { box.disabled = false; }); }, { once: true });
    });
  });
})();
