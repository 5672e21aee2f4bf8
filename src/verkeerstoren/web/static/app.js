// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Browsers skip autofocus when the address has an #anchor (the report form's failed card
  // does): focus the field here, after "load" (an earlier focus is lost when the browser goes
  // to the anchor), without scrolling away from the card the anchor showed.
  const wanted = document.querySelector("[autofocus]");
  if (wanted) {
    window.addEventListener("load", () => {
      if (document.activeElement !== wanted) wanted.focus({ preventScroll: true });
    });
  }
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      // The question comes after the form is valid: asking "close as unplaced?" and then
      // saying the reason is missing made the user answer twice (issue 14). An invalid form
      // shows its messages and is not sent; formnovalidate buttons skip the check.
      const form = el.form || el.closest("form");
      if (form && !el.hasAttribute("formnovalidate") && !form.checkValidity()) {
        event.preventDefault();
        form.reportValidity();
        return;
      }
      if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
});

// A choice that shows another view (the KPI quarter) sends its form at once; the form's own
// button stays for browsers without JavaScript. Here and not in an onchange attribute, which
// the Content-Security-Policy (script-src 'self') blocks. Delegated, so htmx-swapped forms work.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});

// A table or chart that scrolls sideways inside its own box (phones) must be reachable with the
// keyboard to scroll it (WCAG 2.1.1): such a box gets a tab stop and the name of its table or
// figure. Checked again when the window changes size or htmx swaps content in.
function markScrollBoxes() {
  document.querySelectorAll("table.data, .scroll, figure.chart, .vl-chart").forEach((box) => {
    const style = getComputedStyle(box);
    const scrolls = box.scrollWidth > box.clientWidth + 1 &&
      (style.overflowX === "auto" || style.overflowX === "scroll");
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.dataset.scrollBox = "1";
    } else if (!scrolls && box.dataset.scrollBox) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollBox;
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollBoxes);
window.addEventListener("load", markScrollBoxes);
window.addEventListener("resize", markScrollBoxes);
document.addEventListener("htmx:afterSettle", markScrollBoxes);

// "Kopiëren" next to a secret shown once (a new API token): copies the text of the element the
// button names and says so on the button; selecting the text by hand keeps working.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    button.textContent = button.getAttribute("data-copied") || button.textContent;
  });
});
