// The latent navigator: the encoded test digits on a plane, and beside it the digit the
// decoder draws at the point under the pointer, decoded here in the browser. This module
// wires the others: layout.js (sizes, pixel <-> latent), plane.js and digit.js (drawing),
// runtime.js (onnxruntime-web), input.js (pointer, touch, keys), files.js (the browser's
// store), unpack.js (the packed runtime and decoders), legend.js (which colour is which digit),
// and timers.js only when a benchmark asks.
//
// Nothing reaches the server while the pointer moves. A click, a tap, or Enter pins the
// point: one trigger value ("pin"), one rerun, and Python moves the rest of the page there.
// Without WebAssembly, or when the runtime fails to start, one line says so; the plane
// still draws and pins, and the page's sliders still work.

import { Digit } from "./digit.js";
import { loadPoints } from "./files.js";
import { listen } from "./input.js";
import { Layout } from "./layout.js";
import { showLegend } from "./legend.js";
import { Plane } from "./plane.js";
import { Decoder, loadModel } from "./runtime.js";
import { planes, zstd } from "./unpack.js";

const TRAIL = 14; // Positions kept in the trail: about a quarter of a second of movement.

// Sets up the navigator in `root` (its .nav element) for the component's first call, and
// returns it; entry.js hands it every call's data with `update`.
export async function mount(root, { data, setStateValue }) {
  const planeCanvas = root.querySelector("canvas.plane");
  const digitCanvas = root.querySelector("canvas.digit");
  const digitBox = root.querySelector(".digit-box");
  const status = root.querySelector(".status");
  const readout = root.querySelector(".readout");
  const caption = root.querySelector(".caption");
  const legend = root.querySelector(".legend");
  const described = root.querySelector(".described");
  const layout = new Layout(planeCanvas);
  const plane = new Plane(planeCanvas, layout);
  const digit = new Digit(digitCanvas, root.querySelector(".loading"));
  const nav = {
    data: null, // What Python sent last (with a pin made here until it answers).
    points: null,
    hover: null, // [z0, z1] under the pointer, or null when it is away.
    trail: [],
    timers: null,
    setTriggerValue: null,
    get decodes() {
      return digit.drawn;
    },
  };
  root.__nav = nav; // Read by the browser tests.
  if (window.aelabNavigatorTimers) nav.timers = (await import("./timers.js")).attach(root);

  // A text from Python (in the page's language) with its {names} filled in.
  const say = (key, values = {}) =>
    (nav.data.text || {})[key]?.replace(/\{(\w+)\}/g, (m, name) => values[name] ?? m) ?? key;

  // The point shown when the pointer is away: the pinned one, or the plane's centre.
  const resting = () => nav.data.point || layout.centre();

  function fail(reason) {
    decoder.stop();
    root.dataset.status = "fallback";
    status.hidden = false;
    status.textContent = `${nav.data.fallback_text} (${reason}).`;
    digitBox.hidden = true; // The page's own decoded digit stands in for it.
  }

  const decoder = new Decoder(
    (values, t0) => {
      digit.draw(values);
      if (t0 !== null) nav.timers?.drawn(t0);
    },
    (e) => fail(say("decoding_failed", { error: e.message || e })),
  );

  function showReadout() {
    const p = nav.hover || resting();
    const pin = nav.data.point;
    const where = `z = (${p[0].toFixed(2)}, ${p[1].toFixed(2)})`;
    const pinned = pin
      ? say("pinned", { z0: pin[0].toFixed(2), z1: pin[1].toFixed(2) })
      : say("nothing_pinned");
    readout.textContent = nav.hover || !pin ? `${where} · ${pinned}` : pinned;
  }

  function redraw() {
    plane.draw(nav.trail, nav.data.point, nav.data.cross_color, nav.hover);
    showReadout();
  }

  function moveTo(z, t0) {
    nav.timers?.moved(t0);
    nav.hover = z;
    nav.trail.push(z);
    if (nav.trail.length > TRAIL) nav.trail.shift();
    redraw();
    decoder.decode(z, t0);
  }

  function leave() {
    nav.hover = null;
    nav.trail = [];
    redraw();
    // Back to the pinned point, the one the rest of the page shows.
    decoder.decode(resting(), null);
  }

  function pin(z) {
    // Shown on the step at once; Python puts it on the plane and its steps, and sends it back.
    const step = nav.data.step;
    const onStep = (v) => +(Math.round(v / step) * step).toFixed(6);
    nav.data = { ...nav.data, point: [onStep(z[0]), onStep(z[1])] };
    redraw();
    nav.setTriggerValue("pin", nav.data.point);
  }

  listen(planeCanvas, layout, {
    move: moveTo,
    leave,
    pin,
    current: () => nav.hover || resting(),
    hovering: () => nav.hover !== null,
    step: () => nav.data.step,
  });

  new ResizeObserver(() => {
    if (nav.data && layout.fit()) {
      background();
      redraw();
    }
  }).observe(planeCanvas.parentElement);
  const background = () => plane.drawBackground(nav.points, nav.data.colors, nav.data.edges, nav.data.centres, nav.data.leaders);

  nav.update = ({ data, setTriggerValue }) => {
    const old = nav.data;
    nav.data = data;
    nav.setTriggerValue = setTriggerValue;
    layout.bounds = data.bounds;
    const samePoints = old && old.points_url === data.points_url && String(old.bounds) === String(data.bounds);
    if (!samePoints) plane.background = null;
    root.setAttribute("aria-label", data.label);
    planeCanvas.setAttribute("aria-label", say("plane", { label: data.label }));
    digitCanvas.setAttribute("aria-label", data.pinned_text || say("digit"));
    caption.textContent = data.caption;
    showLegend(legend, say("legend"), data.colors, data.edges);
    // Said politely when it changes (a new pin, model or range): nothing while the pointer moves.
    if (described.textContent !== data.description) described.textContent = data.description || "";
    if (layout.fit() || !plane.background) background();
    redraw();
    if (!samePoints) {
      loadPoints(data.points_url, data.n_points)
        .then((p) => {
          if (nav.data.points_url !== data.points_url) return;
          nav.points = p;
          background();
          redraw();
        })
        .catch((e) => {
          status.hidden = false;
          status.textContent = say("points_failed", { error: e.message || e });
        });
    }
    if (!data.runtime_url) {
      fail(data.runtime_problem);
      return;
    }
    if (old && old.model_url === data.model_url && decoder.ready) {
      if (!nav.hover) decoder.decode(resting(), null);
      return;
    }
    root.dataset.status = "loading";
    digit.wait(say("loading"));
    // The packed files when the server offers them (unpack.js); files.js falls back to the plain ones.
    const wasmZst = data.wasm_zst_url && { url: data.wasm_zst_url, unpack: zstd(data.fzstd_url) };
    const modelPlanes = data.model_planes_url && { url: data.model_planes_url, unpack: planes };
    const wasm = { url: data.wasm_url, packed: wasmZst };
    const model = { url: data.model_url, packed: modelPlanes };
    loadModel(data.runtime_url, wasm, model)
      .then((model) => {
        if (nav.data.model_url !== data.model_url) return;
        decoder.use(model);
        status.hidden = true;
        digitBox.hidden = false;
        root.dataset.status = "ready";
        decoder.decode(nav.hover || resting(), null);
      })
      .catch((e) => fail(e.message || String(e)));
  };

  // A page that sizes its defaults to the screen (the Manifold's grid) learns once that
  // the window is phone-sized; one rerun, only then.
  if (data.report_narrow && window.innerWidth < data.report_narrow) setStateValue("narrow", true);
  return nav;
}
