// Who else has this claim open: a heartbeat every 20 s (no websockets); leaving the page says goodbye.
(function () {
  "use strict";
  var line = document.getElementById("presence");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!line || !tokenInput || !window.fetch) return;
  var url = line.getAttribute("data-url");
  var label = line.getAttribute("data-label");
  var interval = 20000;
  var timer = null;

  function body(extra) {
    var data = new URLSearchParams();
    data.append("csrfmiddlewaretoken", tokenInput.value);
    if (extra) data.append(extra, "1");
    return data;
  }

  function show(others) {
    line.textContent = "";
    if (!others.length) {
      line.removeAttribute("data-count");
      return;
    }
    line.setAttribute("data-count", String(others.length));
    var caption = document.createElement("span");
    caption.textContent = label;
    line.appendChild(caption);
    others.forEach(function (person, index) {
      var who = document.createElement("span");
      who.className = "who-else";
      who.title = person.seen;
      who.textContent = person.username + (index < others.length - 1 ? "," : "");
      line.appendChild(who);
    });
  }

  function beat() {
    if (document.visibilityState === "hidden") return schedule();
    fetch(url, { method: "POST", body: body(), credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) {
          show(data.others || []);
          if (data.interval) interval = data.interval * 1000;
        }
      })
      .catch(function () { /* offline for a moment: the next beat tries again */ })
      .then(schedule);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(beat, interval);
  }

  window.addEventListener("pagehide", function () {
    if (navigator.sendBeacon) navigator.sendBeacon(url, body("leave"));
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") beat();
  });
  beat();
})();
