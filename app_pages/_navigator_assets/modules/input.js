// What moves the point on the plane: a mouse hovers and a click pins; a finger or a pen
// drags and a tap pins; on the keyboard the arrows walk (Shift: ten times further), Enter
// or Space pins, and Escape goes back to the pinned point.

const TAP = 8; // CSS pixels a press may travel and still count as a tap (a pin).
const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

// `to` is told what happens: move(z, t0) with the event's time, leave(), pin(z); and it
// answers current() (the point shown), hovering() and step() (one arrow key's walk).
export function listen(canvas, layout, to) {
  let press = null; // Where a button, finger or pen went down.

  canvas.addEventListener("pointerdown", (e) => {
    press = { x: e.clientX, y: e.clientY, id: e.pointerId };
    if (e.pointerType !== "mouse") canvas.setPointerCapture(e.pointerId);
    to.move(layout.at(e), e.timeStamp);
  });
  canvas.addEventListener("pointermove", (e) => to.move(layout.at(e), e.timeStamp));
  canvas.addEventListener("pointerup", (e) => {
    const p = press;
    press = null;
    if (p && p.id === e.pointerId && Math.hypot(e.clientX - p.x, e.clientY - p.y) <= TAP) to.pin(layout.at(e));
    if (e.pointerType !== "mouse") to.leave();
  });
  canvas.addEventListener("pointercancel", () => {
    press = null;
    to.leave();
  });
  canvas.addEventListener("pointerleave", (e) => {
    if (e.pointerType === "mouse") to.leave();
  });
  canvas.addEventListener("keydown", (e) => {
    const start = to.current();
    if (e.key in MOVES) {
      const k = (e.shiftKey ? 10 : 1) * to.step();
      const [dx, dy] = MOVES[e.key];
      to.move(layout.clamp([start[0] + dx * k, start[1] + dy * k]), e.timeStamp);
    } else if (e.key === "Enter" || e.key === " ") {
      to.pin(start);
    } else if (e.key === "Escape") {
      to.leave();
    } else {
      return;
    }
    e.preventDefault();
  });
  canvas.addEventListener("blur", () => {
    if (to.hovering() && !press) to.leave();
  });
}
