// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
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
