// Live notifications: one EventSource per page; the badge and the list reload through htmx
// when the server says something changed for this organisation.
(function () {
  if (!document.getElementById("nav-notifications") || !window.EventSource) return;
  const source = new EventSource("/notifications/events");
  source.addEventListener("notification", () => {
    document.body.dispatchEvent(new CustomEvent("vt-notification"));
  });
})();
