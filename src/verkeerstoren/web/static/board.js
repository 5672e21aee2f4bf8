// The live board: listens to Server-Sent Events and shows each change without a reload.
// A report about some rows arrives with those rows as this board shows them (same filter:
// the stream is opened with the page's query) and is swapped in place; a change without rows
// (a bulk report) makes the board fetch its whole table again.
(function () {
  const live = document.getElementById("board-live");
  if (!live) return;
  const query = live.dataset.query || "";
  const status = document.getElementById("live-status");
  const MAP_EVERY_MS = 5000;  // the map follows, at most every 5 s: the table is the news
  let timer = null;
  let mapTimer = null;
  let mapDrawn = 0;

  function updated() { live.dispatchEvent(new Event("board:updated")); }

  function refresh() {
    fetch("/board/table?" + query, { headers: { "Accept": "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => { live.innerHTML = html; updated(); })
      .catch(() => {});
    scheduleMap();
  }

  function rowSelector(key) {
    return 'tr[data-unit="' + Number(key[0]) + '"][data-bed-type="' + CSS.escape(String(key[1])) + '"]';
  }

  // Returns false when the patch cannot be placed (a row new to this board: its place in the
  // order is not known here), so that the caller fetches the whole table instead.
  function patch(html, keys) {
    const table = live.querySelector("#board-table");
    if (!table) return false;
    const part = document.createElement("template");
    part.innerHTML = html;
    const body = table.querySelector("tbody");
    for (const key of keys) {
      const shown = body.querySelector(rowSelector(key));
      const fresh = part.content.querySelector(rowSelector(key));
      if (shown && fresh) shown.replaceWith(fresh);
      else if (shown) shown.remove();  // no longer matches the filter (e.g. nothing free)
      else if (fresh) return false;
    }
    for (const cls of [".totals", ".board-updated"]) {
      const now = table.querySelector(cls);
      const next = part.content.querySelector(cls);
      if (now && next) now.replaceWith(next);
    }
    updated();
    return true;
  }

  function drawMap() {
    const el = document.getElementById("board-map");
    if (!el || !window.vegaEmbed) return;
    mapDrawn = Date.now();
    fetch(el.dataset.specUrl).then((r) => r.json()).then((spec) => {
      if (!spec) { el.textContent = el.dataset.empty || ""; return; }
      const opts = { actions: false, renderer: "svg" };
      if (window.vegaInterpreter) { opts.ast = true; opts.expr = window.vegaInterpreter.expressionInterpreter; }
      window.vegaEmbed(el, spec, opts).catch(() => {});
    });
  }

  function scheduleMap() {
    if (mapTimer) return;
    const wait = Math.max(0, mapDrawn + MAP_EVERY_MS - Date.now());
    mapTimer = setTimeout(() => { mapTimer = null; drawMap(); }, wait);
  }

  const source = new EventSource("/board/events" + (query ? "?" + query : ""));
  source.addEventListener("availability", (event) => {
    let data = {};
    try { data = JSON.parse(event.data); } catch (e) { data = {}; }
    if (Array.isArray(data.keys) && "rows" in data) {
      // null: none of these rows is on this board; nothing to show.
      if (data.rows && !patch(data.rows, data.keys)) refresh();
      else if (data.rows) scheduleMap();
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
  source.onopen = () => { if (status) status.classList.add("on"); };
  source.onerror = () => { if (status) status.classList.remove("on"); };
  window.addEventListener("load", drawMap);
})();
