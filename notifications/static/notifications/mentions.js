// @username completion in note fields: the desk's members, from a small JSON endpoint; keyboard and mouse.
(function () {
  "use strict";
  document.querySelectorAll("form[data-mentions]").forEach(function (form) {
    var field = form.querySelector("textarea");
    if (!field || !window.fetch) return;
    var url = form.getAttribute("data-mentions");
    var wrap = field.parentNode;
    wrap.classList.add("mention-field");
    var list = document.createElement("ul");
    list.className = "mention-list";
    list.id = (field.id || "note") + "-mentions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrap.appendChild(list);
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", list.id);
    var active = -1;
    var pending = 0;

    function word() {
      var before = field.value.slice(0, field.selectionStart);
      var match = /(^|[^\w@.+-])@([\w.+-]{0,150})$/.exec(before);
      return match ? { text: match[2], start: before.length - match[2].length - 1 } : null;
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      field.removeAttribute("aria-activedescendant");
    }

    function mark(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (items[index]) field.setAttribute("aria-activedescendant", items[index].id);
    }

    function pick(username) {
      var current = word();
      if (!current) return close();
      var end = field.selectionStart;
      var insert = "@" + username + " ";
      field.value = field.value.slice(0, current.start) + insert + field.value.slice(end);
      var caret = current.start + insert.length;
      field.setSelectionRange(caret, caret);
      close();
      field.focus();
    }

    function render(people) {
      list.textContent = "";
      if (!people.length) return close();
      people.forEach(function (person, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("data-username", person.username);
        item.textContent = "@" + person.username + (person.name ? " · " + person.name : "");
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(person.username);
        });
        list.appendChild(item);
      });
      list.hidden = false;
      mark(0);
    }

    field.addEventListener("input", function () {
      var current = word();
      if (!current) return close();
      var ticket = ++pending;
      fetch(url + "?q=" + encodeURIComponent(current.text), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (ticket === pending) render(data.results || []); })
        .catch(close);
    });

    field.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      var items = list.querySelectorAll("li");
      if (event.key === "ArrowDown") { event.preventDefault(); mark((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark((active - 1 + items.length) % items.length); }
      else if (event.key === "Enter" || event.key === "Tab") {
        if (items[active]) { event.preventDefault(); pick(items[active].getAttribute("data-username")); }
      } else if (event.key === "Escape") { close(); }
    });
    field.addEventListener("blur", function () { setTimeout(close, 150); });
  });
})();
