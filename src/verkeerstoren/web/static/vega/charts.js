// Draws every Vega-Lite spec on the page (<div class="vl-chart" data-spec="id"> with a JSON
// <script type="application/json" id="id">) with the vendored vega-embed. The expression
// interpreter keeps Vega from using eval, which the Content-Security-Policy forbids.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.vegaEmbed) return;
  document.querySelectorAll(".vl-chart[data-spec]").forEach((el) => {
    const source = document.getElementById(el.dataset.spec);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    window.vegaEmbed(el, spec, {
      actions: false,
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      renderer: "svg",
    }).catch((error) => { el.textContent = String(error); });
  });
});
