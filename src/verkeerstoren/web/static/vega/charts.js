// Draws every Vega-Lite spec on the page with the vendored vega-embed. An element's data-spec is
// either the id of a <script type="application/json"> holding the spec (large specs, e.g. maps)
// or the spec itself as JSON. The expression interpreter keeps Vega from using eval, which the
// Content-Security-Policy forbids.

(function () {
  // Dutch (nl-NL) number and time formats, written out here because Vega's own locale files would
  // have to be fetched at run time (no CDN). Without them every axis reads "Nov", "Mon", "1,234.5".
  // Same definitions as d3-format/d3-time-format's nl-NL, which vl-convert uses for the PDF report.
  const NL_NUMBER = {
    decimal: ",",
    thousands: ".",
    grouping: [3],
    currency: ["€\u00a0", ""],  // a non-breaking space, as in d3-format's nl-NL
  };
  const NL_TIME = {
    dateTime: "%a %e %B %Y %X",
    date: "%d-%m-%Y",
    time: "%H:%M:%S",
    periods: ["AM", "PM"],
    days: ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
    shortDays: ["zo", "ma", "di", "wo", "do", "vr", "za"],
    months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december"],
    shortMonths: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov",
                  "dec"],
  };

  // Vega's own axis multi-format is English even with the Dutch locale: "03 PM", "nov 08". These
  // are the Dutch habits (24-hour clock, day before month); a chart's own format still wins.
  const NL_CONFIG = {
    timeFormat: "%-d %b %Y",  // tooltips and legends of raw dates
    axisTemporal: {
      format: {
        year: "%Y", quarter: "%B", month: "%B", week: "%-d %b", date: "%a %-d",
        hours: "%H:%M", minutes: "%H:%M", seconds: ":%S", milliseconds: ".%L",
      },
    },
  };

  // Vega's locale is global: set it as soon as Vega is loaded, so charts drawn elsewhere (the
  // board's map in board.js) are Dutch too, not only the ones embedded below.
  if (window.vega) {
    window.vega.formatLocale(NL_NUMBER);
    window.vega.timeFormatLocale(NL_TIME);
  }

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
        formatLocale: NL_NUMBER,
        timeFormatLocale: NL_TIME,
        config: NL_CONFIG,
        renderer: "svg",
      }).catch((error) => { el.textContent = String(error); });
    });
  });
})();
