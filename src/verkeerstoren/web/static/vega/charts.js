// Draws every Vega-Lite spec on the page with the vendored vega-embed. An element's data-spec is
// either the id of a <script type="application/json"> holding the spec (large specs, e.g. maps)
// or the spec itself as JSON. The expression interpreter keeps Vega from using eval, which the
// Content-Security-Policy forbids.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.vegaEmbed) return;
  document.querySelectorAll("[data-spec]").forEach((el) => {
    const source = document.getElementById(el.dataset.spec);
    let spec;
    try {
      spec = JSON.parse(source ? source.textContent : el.dataset.spec);
    } catch (error) {
      return;  // neither an id on this page nor a spec
    }
    window.vegaEmbed(el, spec, {
      actions: false,
      ast: true,
      expr: window.vegaInterpreter.expressionInterpreter,
      renderer: "svg",
    }).catch((error) => { el.textContent = String(error); });
  });
});
