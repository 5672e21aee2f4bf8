// A checkbox group where at least one box must be ticked (fieldset[data-require-one]):
// HTML has no such constraint, so the first box carries a custom validity message (Dutch,
// from the attribute) while none is ticked and the browser refuses to submit. The server
// checks the same rule; without this file the form still works.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("fieldset[data-require-one]").forEach((group) => {
    const boxes = Array.from(group.querySelectorAll("input[type=checkbox]"));
    if (boxes.length === 0) return;
    const message = group.getAttribute("data-require-one") || "";
    const update = () => {
      boxes[0].setCustomValidity(boxes.some((box) => box.checked) ? "" : message);
    };
    boxes.forEach((box) => box.addEventListener("change", update));
    update();
  });
});
