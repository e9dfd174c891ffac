"""A drawing pad for one digit, made with Streamlit's own `st.components.v2` (not a page).

Why not a package: `streamlit-drawable-canvas`, the usual choice, is
unmaintained and broken on Streamlit >= 1.40 (it imports the moved
`streamlit.elements.image.image_to_url`; andfanilo/streamlit-drawable-canvas
issue 157), and its forks are one-person patches. `st.components.v2` ships
with Streamlit, needs no build step, iframe or download, and 40 lines of
HTML/JS cover what a digit needs. The pad sends the drawing as a PNG data URL
when a stroke ends, so it goes through the same checks as an upload.

A keyboard draws too (WCAG 2.1.1): the pad takes focus, with a ring; arrow keys
move the pen (drawing while it is down), Space lifts or lowers it, Enter sends the
digit, Delete clears. Tab leaves the pad as from any control (no focus trap).
"""

import streamlit as st

from aelab.i18n import _
from app_pages import _state

SIZE = 280  # CSS pixels; ten times MNIST's 28, big enough for a finger on a touch screen.

_HTML = f"""
<div class="pad">
  <div class="frame">
    <canvas width="{SIZE}" height="{SIZE}" tabindex="0" aria-label="Drawing pad: draw one digit"></canvas>
    <div class="pen" hidden></div>
  </div>
  <button type="button">Clear</button>
</div>
"""

_CSS = """
.pad { display: flex; flex-direction: column; gap: 0.5rem; align-items: flex-start; }
canvas { display: block; background: #000; border-radius: 0.5rem; cursor: crosshair; touch-action: none;
         border: 1px solid var(--st-border-color, #ccc); }
/* The page's focus ring (app_pages/_style.py) does not reach inside a component: the same one here. */
canvas:focus-visible, button:focus-visible { outline: 3px solid #1a56db; outline-offset: 2px; }
.frame { position: relative; }
/* The keyboard's pen: a ring where it is, filled while it draws; drawn over the pad, not into the digit. */
.pen { position: absolute; width: 26px; height: 26px; margin: -13px 0 0 -13px; border-radius: 50%;
       border: 2px solid #1a56db; box-shadow: 0 0 0 2px #fff; pointer-events: none; }
.pen.down { background: rgba(26, 86, 219, 0.5); }
button { font: inherit; padding: 0.25rem 0.9rem; border-radius: 0.5rem; cursor: pointer;
         border: 1px solid var(--st-border-color, #ccc); background: var(--st-background-color, #fff);
         color: var(--st-text-color, #000); }
"""

# White strokes on black, as MNIST. A 26 px pen on a 280 px pad becomes a stroke of 2.57 px (median)
# in the 20 px box, as thick as MNIST's test digits' 2.60 px (bench/pad_stroke.py; 22 px gave 2.28).
_JS = """
export default function (component) {
  const { parentElement, setStateValue, data } = component;
  const canvas = parentElement.querySelector("canvas");
  const clear = parentElement.querySelector("button");
  const penMark = parentElement.querySelector(".pen");
  if (data && data.text) {  // In the interface's language, on every run (the language may have changed).
    clear.textContent = data.text.clear;
    canvas.setAttribute("aria-label", data.text.label);
  }
  if (canvas.dataset.ready) return;  // Streamlit calls this again on reruns; keep the drawing.
  canvas.dataset.ready = "1";
  const ctx = canvas.getContext("2d");
  const blank = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  blank();
  if (data && data.image) {  // A drawing from earlier in this session, after the page was rebuilt.
    const img = new Image();
    img.onload = () => ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    img.src = data.image;
  }
  const pen = () => { ctx.strokeStyle = "#fff"; ctx.lineWidth = 26; ctx.lineCap = "round"; ctx.lineJoin = "round"; };
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  let drawing = false;
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    pen();
    const [x, y] = at(e);
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.01, y); ctx.stroke();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    ctx.lineTo(x, y); ctx.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    setStateValue("image", canvas.toDataURL("image/png"));
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear.addEventListener("click", () => { blank(); setStateValue("image", null); });

  // The keyboard's pen, in canvas pixels: it starts up, in the middle.
  const STEP = 10, FAR = 30;  // One press, and one with Shift.
  const key = { x: canvas.width / 2, y: canvas.height / 2, down: false, drawn: false };
  const showPen = () => {
    penMark.hidden = false;
    penMark.classList.toggle("down", key.down);
    penMark.style.left = `${key.x * canvas.clientWidth / canvas.width + canvas.clientLeft}px`;
    penMark.style.top = `${key.y * canvas.clientHeight / canvas.height + canvas.clientTop}px`;
  };
  const send = () => {
    if (key.drawn) setStateValue("image", canvas.toDataURL("image/png"));
    key.drawn = false;
  };
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  canvas.addEventListener("focus", showPen);
  canvas.addEventListener("blur", () => { penMark.hidden = true; send(); });
  canvas.addEventListener("keydown", (e) => {
    if (e.key in moves) {
      const [dx, dy] = moves[e.key];
      const d = e.shiftKey ? FAR : STEP;
      const x = Math.min(canvas.width, Math.max(0, key.x + dx * d));
      const y = Math.min(canvas.height, Math.max(0, key.y + dy * d));
      if (key.down) {
        pen();
        ctx.beginPath(); ctx.moveTo(key.x, key.y); ctx.lineTo(x, y); ctx.stroke();
        key.drawn = true;
      }
      key.x = x; key.y = y;
    } else if (e.key === " ") {
      key.down = !key.down;
      if (key.down) {  // A dot where the pen goes down, as a tap makes.
        pen();
        ctx.beginPath(); ctx.moveTo(key.x, key.y); ctx.lineTo(key.x + 0.01, key.y); ctx.stroke();
        key.drawn = true;
      }
    } else if (e.key === "Enter") {
      key.down = false;
      send();
    } else if (e.key === "Delete" || e.key === "Backspace") {
      blank(); key.drawn = false; setStateValue("image", null);
    } else {
      return;  // Tab and the rest do what they always do: no focus trap.
    }
    e.preventDefault();
    showPen();
  });
}
"""

_PAD = st.components.v2.component("aelab.digit_pad", html=_HTML, css=_CSS, js=_JS)


def current_drawing(key):
    """The pad's drawing as the browser last sent it, for a callback that runs before the pad is drawn.

    The pad's own callback may not have copied it yet when another widget's callback runs in the same
    rerun (a stroke and a press that arrived together).

    Args:
        key: the pad's widget key.

    Returns:
        The drawing as a PNG data URL, or None.
    """
    component = st.session_state.get(key)
    image = component.get("image") if hasattr(component, "get") else None
    return image or _state.get().drawings.get(key)


def digit_pad(key):
    """Shows the drawing pad.

    The drawing is kept in the session's state (`AppState.drawings[key]`), not
    only in the component: a widget that is not shown in a run (its tab closed)
    loses its state, and the pad must still hold the digit when its tab opens again.

    Args:
        key: widget key.

    Returns:
        The drawing as a PNG data URL, or None before the first stroke and after Clear.
    """
    drawings = _state.get().drawings

    def changed():
        state = st.session_state.get(key)
        drawings[key] = state.get("image") if hasattr(state, "get") else None

    image = drawings.get(key)
    text = {
        "clear": _("Clear"),
        "label": _(
            "Drawing pad: draw one digit. With the keyboard, arrow keys move the pen, Space lowers or lifts it, "
            "Enter sends the digit, Delete clears."
        ),
    }
    _PAD(key=key, data={"image": image, "text": text}, default={"image": None}, on_image_change=changed)
    if image is None:
        # A session new to this server (another replica took over when this browser's went down): the
        # browser resent the pad's drawing as the component's state, and no stroke ended here to copy it.
        changed()
        image = drawings[key]
    return image
