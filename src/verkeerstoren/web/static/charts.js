// Renders every element with a data-spec attribute (a Vega-Lite spec) with vega-embed.
window.addEventListener("load", () => {
  if (!window.vegaEmbed) return;
  document.querySelectorAll("[data-spec]").forEach((el) => {
    const opts = { actions: false, renderer: "svg" };
    if (window.vegaInterpreter) { opts.ast = true; opts.expr = window.vegaInterpreter.expressionInterpreter; }
    window.vegaEmbed(el, JSON.parse(el.dataset.spec), opts).catch(() => {});
  });
});
