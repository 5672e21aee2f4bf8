// The live board: listens to Server-Sent Events and reloads the table (and map) on a change.
(function () {
  const live = document.getElementById("board-live");
  if (!live) return;
  const query = live.dataset.query || "";
  const status = document.getElementById("live-status");
  let timer = null;

  function refresh() {
    fetch("/board/table?" + query, { headers: { "Accept": "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => { live.innerHTML = html; live.dispatchEvent(new Event("board:updated")); })
      .catch(() => {});
    drawMap();
  }

  function drawMap() {
    const el = document.getElementById("board-map");
    if (!el || !window.vegaEmbed) return;
    fetch(el.dataset.specUrl).then((r) => r.json()).then((spec) => {
      if (!spec) { el.textContent = el.dataset.empty || ""; return; }
      const opts = { actions: false, renderer: "svg" };
      if (window.vegaInterpreter) { opts.ast = true; opts.expr = window.vegaInterpreter.expressionInterpreter; }
      window.vegaEmbed(el, spec, opts).catch(() => {});
    });
  }

  const source = new EventSource("/board/events");
  source.addEventListener("availability", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
  source.onopen = () => { if (status) status.classList.add("on"); };
  source.onerror = () => { if (status) status.classList.remove("on"); };
  window.addEventListener("load", drawMap);
})();
