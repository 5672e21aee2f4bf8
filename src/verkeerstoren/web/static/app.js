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
