// The coordinator's request page and work queue follow what happens (issue 14): when a request
// changes (a provider accepts or declines, a hold expires), the server sends its id over SSE and
// the page reloads itself, unless the user is typing in one of its forms (nothing typed is
// lost; the next change or a manual reload shows it). The page works without this file.
(function () {
  if (!window.EventSource) return;
  const own = document.querySelector("[data-request-id]");
  const list = document.querySelector("[data-live-list]");
  if (!own && !list) return;
  // A select without a `selected` option shows its first one (the search's "all", an unset
  // sex): that is its untouched state too, or the page would never reload by itself.
  const chosen = (el) => {
    const options = Array.from(el.options);
    if (el.multiple || options.some((o) => o.defaultSelected)) {
      return options.some((o) => o.selected !== o.defaultSelected);
    }
    return el.selectedIndex !== options.findIndex((o) => !o.disabled);
  };
  const typing = () =>
    Array.from(document.querySelectorAll("form input:not([type=hidden]), form textarea, form select")).some(
      (el) => el === document.activeElement ||
        (el.type === "checkbox" || el.type === "radio" ? el.checked !== el.defaultChecked
          : el.tagName === "SELECT" ? chosen(el)
          : el.value !== el.defaultValue),
    );
  let pending = false;
  const reload = () => {
    if (typing()) { pending = true; return; }
    window.location.reload();
  };
  document.addEventListener("focusout", () => { if (pending) setTimeout(reload, 500); });
  const source = new EventSource("/placement/events");
  source.addEventListener("request", (event) => {
    let id = null;
    try { id = JSON.parse(event.data).id; } catch (e) { return; }
    if (list || (own && String(id) === own.getAttribute("data-request-id"))) reload();
  });
})();
