// Keeps what was typed in a form whose sending failed because the login had ended (logout in
// another tab, expiry): the server then sends the browser back to the form, through the login
// form, and marks that page with data-restore-form (web/errors.py). The draft lives only in
// this tab's sessionStorage, never on the server, and never holds passwords or files.
(() => {
  const KEY = "vt-form-draft";
  const SKIP = new Set(["password", "file", "hidden", "submit", "button", "reset"]);

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post") return;
    if (form.hasAttribute("data-no-draft")) return;
    const fields = [];
    for (const el of form.elements) {
      if (!el.name || SKIP.has(el.type) || el.name === "csrf_token") continue;
      if (el.type === "checkbox" || el.type === "radio") {
        fields.push({ name: el.name, value: el.value, checked: el.checked });
      } else if (el instanceof HTMLSelectElement && el.multiple) {
        fields.push({ name: el.name, values: [...el.selectedOptions].map((o) => o.value) });
      } else if ("value" in el) {
        fields.push({ name: el.name, value: el.value });
      }
    }
    try {
      sessionStorage.setItem(KEY, JSON.stringify({
        path: location.pathname, action: form.getAttribute("action") || "", fields,
      }));
    } catch {
      // Storage full or refused: the form is still sent, only the safety net is missing.
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const raw = sessionStorage.getItem(KEY);
    // The login form lies between the failed send and the form: keep the draft through it.
    if (raw === null || location.pathname === "/login") return;
    sessionStorage.removeItem(KEY);
    const notice = document.body.dataset.restoreForm;
    if (notice === undefined) return;
    let draft;
    try {
      draft = JSON.parse(raw);
    } catch {
      return;
    }
    if (draft.path !== location.pathname) return;
    const forms = [...document.querySelectorAll("form[method=post]")]
      .filter((f) => !f.hasAttribute("data-no-draft"));
    const form = forms.find((f) => (f.getAttribute("action") || "") === draft.action) || forms[0];
    if (!form) return;
    const named = (name) => [...form.elements].filter((el) => el.name === name && !SKIP.has(el.type));
    const used = new Map(); // a name that repeats (rows of a list) is filled in order
    for (const field of draft.fields) {
      const els = named(field.name);
      if (els.some((el) => el.type === "checkbox" || el.type === "radio")) {
        for (const el of els) if (el.value === field.value) el.checked = field.checked;
        continue;
      }
      const index = used.get(field.name) || 0;
      used.set(field.name, index + 1);
      const el = els[index];
      if (!el) continue;
      if (field.values && el instanceof HTMLSelectElement) {
        for (const option of el.options) option.selected = field.values.includes(option.value);
      } else {
        el.value = field.value;
      }
    }
    const message = document.createElement("p");
    message.className = "notice";
    message.setAttribute("role", "status");
    message.textContent = notice;
    form.before(message);
  });
})();
