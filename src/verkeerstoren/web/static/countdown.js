// Counts hold timers down once a second ("12:34", or the element's data-label with {time} in it:
// "nog 29:59 vastgehouden"); the server stays the authority on expiry.
(function () {
  const els = Array.from(document.querySelectorAll(".countdown[data-seconds]"));
  if (!els.length) return;
  const start = Date.now();
  function tick() {
    const passed = Math.floor((Date.now() - start) / 1000);
    els.forEach((el) => {
      const left = Math.max(0, parseInt(el.dataset.seconds, 10) - passed);
      const time = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      const label = el.getAttribute("data-label");
      el.textContent = label ? label.replace("{time}", time) : time;
      el.classList.toggle("expiring", left < 300);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
