// The report form (/capacity/report). "Nu vrij" follows the counts as they are typed, and
// "Ongewijzigd" (a card's, or "Alles ongewijzigd" for every card) is refused while a card holds
// unsaved edits: unchanged confirms the stored report, so the typed figures would be lost
// without a word. The server ignores typed figures on "unchanged" anyway; this file only says
// so before the tap. The page works without it. A file, not inline: the CSP forbids those.
document.addEventListener("DOMContentLoaded", () => {
  const cards = Array.from(document.querySelectorAll("form.report-card"));
  const edited = (card) =>
    Array.from(card.querySelectorAll("input:not([type=hidden])")).some(
      (input) => input.value !== input.defaultValue,
    );
  const count = (card, name) => {
    const input = card.querySelector(`input[name=${name}]`);
    const text = input ? input.value.trim() : "";
    if (name === "blocked" && text === "") return 0; // an empty "blocked" is stored as 0
    return /^\d+$/.test(text) ? Number(text) : NaN;
  };
  const update = (card) => {
    const free = card.querySelector("[data-free]");
    if (free) {
      const held = Number(free.getAttribute("data-held") || "0");
      const n = count(card, "staffed") - count(card, "occupied") - count(card, "blocked") - held;
      free.querySelector("span").textContent = Number.isNaN(n) ? "—" : String(n);
      // Green only when a bed is free: a zero (or an unreadable count) is not good news.
      free.classList.toggle("none", Number.isNaN(n) || n === 0);
      free.classList.toggle("over", n < 0);
    }
    const changed = edited(card);
    card.classList.toggle("edited", changed);
    const undo = card.querySelector("[data-undo]");
    if (undo) undo.hidden = !changed;
    const note = card.querySelector("[data-unsaved]");
    if (note && !changed) note.hidden = true;
    const allNote = document.querySelector("#all-unchanged [data-unsaved]");
    if (allNote && !cards.some(edited)) allNote.hidden = true;
  };
  cards.forEach((card) => {
    card.addEventListener("input", () => update(card));
    // The reset event comes before the inputs are reset.
    card.addEventListener("reset", () => window.setTimeout(() => update(card), 0));
    const unchanged = card.querySelector("button[name=unchanged]");
    if (unchanged) {
      unchanged.addEventListener("click", (event) => {
        if (!edited(card)) return;
        event.preventDefault();
        const note = card.querySelector("[data-unsaved]");
        if (note) note.hidden = false;
      });
    }
    update(card);
  });
  const all = document.getElementById("all-unchanged");
  if (all) {
    all.addEventListener("submit", (event) => {
      const changed = cards.filter(edited);
      if (changed.length === 0) return;
      event.preventDefault();
      const note = all.querySelector("[data-unsaved]");
      if (note) note.hidden = false;
      changed.forEach((card) => {
        const cardNote = card.querySelector("[data-unsaved]");
        if (cardNote) cardNote.hidden = false;
      });
    });
  }
});
