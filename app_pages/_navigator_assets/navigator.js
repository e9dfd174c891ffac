// The latent navigator: the encoded test digits on a canvas, and the digit the decoder
// draws at the point under the pointer, decoded here in the browser by onnxruntime-web
// (its plain WebAssembly build, vendored in static/onnxruntime-web/ and served by the app).
//
// Nothing reaches the server while the pointer moves. A click, a tap, or Enter pins the
// point: one trigger value ("pin"), one rerun, and Python moves the rest of the page there.
// Without WebAssembly, or when the runtime fails to start, one line says so; the plane
// still draws and pins, and the page's sliders still work.
//
// Streamlit calls the default export again on every rerun with new data; the DOM stays,
// so listeners are attached once and later calls only update `nav.data` and redraw.

const runtimes = new Map(); // runtime URL -> Promise of the ort module, configured.
const sessions = new Map(); // model URL -> Promise of an InferenceSession.
const pointSets = new Map(); // points URL -> Promise of {z: Float32Array, y: Uint8Array}.

const TRAIL = 14; // Positions kept in the trail: about a quarter of a second of movement.
const TAP = 8; // CSS pixels a press may travel and still count as a tap (a pin).
const MARGIN = { left: 46, right: 10, top: 10, bottom: 38 }; // Room for the tick labels.
const KEPT = 8; // Files kept in the browser's store (the runtime, and a few models and point sets).

// The browser's own store for the big files. Streamlit's static files come without a
// Cache-Control header and are not revalidated with a 304, so the HTTP cache would
// fetch the 14 MB runtime and 3 MB model again; their URLs name their content (a sha256
// in the name or in ?v=), so a stored copy never goes stale. IndexedDB, not the Cache
// API: a classroom server on plain http://192.168... is not a secure context.
function store() {
  if (!store.db) {
    store.db = new Promise((resolve) => {
      try {
        const req = indexedDB.open("aelab-navigator", 1);
        req.onupgradeneeded = () => req.result.createObjectStore("files");
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => resolve(null);
      } catch (e) {
        resolve(null); // No IndexedDB (a private window in some browsers): plain fetches.
      }
    });
  }
  return store.db;
}

function request(db, mode, use) {
  return new Promise((resolve) => {
    try {
      const req = use(db.transaction("files", mode).objectStore("files"));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(undefined);
    } catch (e) {
      resolve(undefined);
    }
  });
}

async function fetchStored(url) {
  const db = await store();
  const kept = db && (await request(db, "readonly", (s) => s.get(url)));
  if (kept) return kept.bytes;
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url.split("/").pop()}: HTTP ${r.status}`);
  const bytes = await r.arrayBuffer();
  if (db) {
    await request(db, "readwrite", (s) => s.put({ bytes, time: Date.now() }, url));
    const keys = await request(db, "readonly", (s) => s.getAllKeys());
    if (keys && keys.length > KEPT) {
      const times = await Promise.all(keys.map((k) => request(db, "readonly", (s) => s.get(k))));
      const oldest = keys.map((k, i) => [times[i] ? times[i].time : 0, k]).sort((a, b) => a[0] - b[0]);
      for (const [, k] of oldest.slice(0, keys.length - KEPT)) await request(db, "readwrite", (s) => s.delete(k));
    }
  }
  return bytes;
}

function loadRuntime(url, wasmUrl) {
  if (!runtimes.has(url)) {
    runtimes.set(
      url,
      (async () => {
        if (typeof WebAssembly !== "object") throw new Error("this browser has no WebAssembly");
        // This module runs from a blob: URL, so the runtime's address must be absolute.
        const ort = await import(new URL(url, window.location.origin).href);
        // The .wasm's bytes themselves (from the store); the bundle carries its own
        // Emscripten glue, so nothing else is fetched.
        ort.env.wasm.wasmBinary = await fetchStored(wasmUrl);
        // One thread: threads need a cross-origin-isolated page, and one 2-D point
        // decodes in about a millisecond anyway.
        ort.env.wasm.numThreads = 1;
        ort.env.wasm.proxy = false;
        return ort;
      })(),
    );
  }
  return runtimes.get(url);
}

function loadSession(ort, url) {
  if (!sessions.has(url)) {
    sessions.set(
      url,
      fetchStored(url).then((bytes) =>
        ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ["wasm"] }),
      ),
    );
  }
  return sessions.get(url);
}

function loadPoints(url, n) {
  if (!pointSets.has(url)) {
    pointSets.set(
      url,
      fetchStored(url).then((buf) => {
        // float32 (z0, z1) pairs, then one uint8 label per point (see _navigator.py).
        return { z: new Float32Array(buf, 0, 2 * n), y: new Uint8Array(buf, 8 * n, n) };
      }),
    );
  }
  return pointSets.get(url);
}

function keep(list, value) {
  list.push(value);
  if (list.length > 5000) list.shift();
}

function niceTicks(lo, hi, maxTicks) {
  const raw = (hi - lo) / Math.max(1, maxTicks - 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toFixed(10));
  return { ticks, step };
}

function fmt(v, step) {
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(digits, 3));
}

export default function (component) {
  const { parentElement, data, setTriggerValue, setStateValue } = component;
  const root = parentElement.querySelector(".nav");
  let nav = root.__nav;
  if (!nav) {
    nav = root.__nav = setUp(root, setTriggerValue);
    // A page that sizes its defaults to the screen (the Manifold's grid) learns once
    // that the window is phone-sized; one rerun, only then.
    if (data.report_narrow && window.innerWidth < data.report_narrow) setStateValue("narrow", true);
  }
  nav.setTriggerValue = setTriggerValue;
  nav.update(data);
  return undefined;
}

function setUp(root, setTriggerValue) {
  const plane = root.querySelector("canvas.plane");
  const digit = root.querySelector("canvas.digit");
  const status = root.querySelector(".status");
  const readout = root.querySelector(".readout");
  const caption = root.querySelector(".caption");
  const dctx = digit.getContext("2d");
  const pixels = dctx.createImageData(28, 28);
  const nav = {
    data: null,
    ort: null,
    session: null,
    points: null,
    background: null, // The points and axes, drawn once per size and data set.
    hover: null, // [z0, z1] under the pointer, or null when it is away.
    trail: [],
    pending: null, // The newest point waiting for the decoder: older ones are dropped.
    busy: false,
    press: null,
    decodes: 0,
    latencies: [], // ms from a pointer event to the new digit's pixels on the canvas.
    frameLatencies: [], // ms from a pointer event to the next animation frame after them.
    inputDelays: [], // ms from a pointer event to its handler (time the page was busy).
    setTriggerValue,
  };
  root.__navStats = nav; // Read by the browser tests and bench/navigator.py.

  const size = () => {
    const width = Math.max(200, Math.floor(plane.parentElement.clientWidth));
    return { width, height: width };
  };

  const area = () => {
    const { width, height } = nav.size;
    return { x: MARGIN.left, y: MARGIN.top, w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  };

  const toPixel = ([z0, z1]) => {
    const [[a0, b0], [a1, b1]] = nav.data.bounds;
    const r = area();
    return [r.x + ((z0 - a0) / (b0 - a0)) * r.w, r.y + (1 - (z1 - a1) / (b1 - a1)) * r.h];
  };

  const toLatent = (px, py) => {
    const [[a0, b0], [a1, b1]] = nav.data.bounds;
    const r = area();
    const fx = Math.min(1, Math.max(0, (px - r.x) / r.w));
    const fy = Math.min(1, Math.max(0, (py - r.y) / r.h));
    return [a0 + fx * (b0 - a0), a1 + (1 - fy) * (b1 - a1)];
  };

  function drawBackground() {
    const { width, height } = nav.size;
    const dpr = window.devicePixelRatio || 1;
    const bg = document.createElement("canvas");
    bg.width = Math.round(width * dpr);
    bg.height = Math.round(height * dpr);
    const ctx = bg.getContext("2d");
    ctx.scale(dpr, dpr);
    const r = area();
    const [[a0, b0], [a1, b1]] = nav.data.bounds;
    // Plotly's default template, so the canvas reads like the charts beside it.
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = "#E5ECF6";
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 1;
    ctx.fillStyle = "#2a3f5f";
    ctx.font = "15px sans-serif";
    const maxTicks = Math.max(5, Math.floor(r.w / 50));  // At least -4, -2, 0, 2, 4 on a phone.
    const tx = niceTicks(a0, b0, maxTicks);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of tx.ticks) {
      const [x] = toPixel([v, a1]);
      ctx.beginPath(); ctx.moveTo(x, r.y); ctx.lineTo(x, r.y + r.h); ctx.stroke();
      ctx.fillText(fmt(v, tx.step), x, r.y + r.h + 4);
    }
    const ty = niceTicks(a1, b1, maxTicks);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of ty.ticks) {
      const [, y] = toPixel([a0, v]);
      ctx.beginPath(); ctx.moveTo(r.x, y); ctx.lineTo(r.x + r.w, y); ctx.stroke();
      ctx.fillText(fmt(v, ty.step), r.x - 5, y);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillText("z0", r.x + r.w, height - 1);
    ctx.save();
    ctx.translate(12, r.y);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText("z1", 0, 0);
    ctx.restore();
    if (nav.points) {
      const { z, y } = nav.points;
      const colors = nav.data.colors;
      ctx.save();
      ctx.beginPath();
      ctx.rect(r.x, r.y, r.w, r.h);
      ctx.clip();
      ctx.globalAlpha = 0.75;
      for (let d = 0; d < 10; d++) {
        ctx.fillStyle = colors[d];
        for (let i = 0; i < y.length; i++) {
          if (y[i] !== d) continue;
          const [px, py] = toPixel([z[2 * i], z[2 * i + 1]]);
          ctx.fillRect(px - 1.25, py - 1.25, 2.5, 2.5);
        }
      }
      ctx.restore();
    }
    nav.background = bg;
  }

  function cross(ctx, [x, y], color, arm) {
    ctx.lineCap = "round";
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 5;
    ctx.beginPath();
    ctx.moveTo(x - arm, y - arm); ctx.lineTo(x + arm, y + arm);
    ctx.moveTo(x - arm, y + arm); ctx.lineTo(x + arm, y - arm);
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2.5;
    ctx.stroke();
  }

  function drawPlane() {
    const ctx = plane.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(nav.background, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // The trail, fading out: where the pointer has just been, for a class to follow.
    nav.trail.forEach((p, i) => {
      const [x, y] = toPixel(p);
      ctx.fillStyle = `rgba(20, 20, 20, ${(0.55 * (i + 1)) / nav.trail.length})`;
      ctx.beginPath();
      ctx.arc(x, y, 2 + (3 * (i + 1)) / nav.trail.length, 0, 2 * Math.PI);
      ctx.fill();
    });
    if (nav.data.point) cross(ctx, toPixel(nav.data.point), nav.data.cross_color, 9);
    if (nav.hover) {
      const [x, y] = toPixel(nav.hover);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  function centre() {
    const [[a0, b0], [a1, b1]] = nav.data.bounds;
    return [(a0 + b0) / 2, (a1 + b1) / 2];
  }

  // The digit drawn when the pointer is away: the pinned point's, or the plane's centre.
  function resting() {
    return nav.data.point || centre();
  }

  // A text from Python (in the page's language) with its {names} filled in.
  const say = (key, values = {}) =>
    (nav.data.text || {})[key]?.replace(/\{(\w+)\}/g, (m, name) => values[name] ?? m) ?? key;

  function showReadout() {
    const p = nav.hover || resting();
    const pin = nav.data.point;
    const where = `z = (${p[0].toFixed(2)}, ${p[1].toFixed(2)})`;
    const pinned = pin
      ? say("pinned", { z0: pin[0].toFixed(2), z1: pin[1].toFixed(2) })
      : say("nothing_pinned");
    readout.textContent = nav.hover || !pin ? `${where} · ${pinned}` : pinned;
  }

  function drawDigit(values, t0) {
    const px = pixels.data;
    for (let i = 0; i < 784; i++) {
      // As aelab.data.images.to_uint8 does on the server.
      const v = Math.floor(Math.min(1, Math.max(0, values[i])) * 255 + 0.5);
      px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = v;
      px[4 * i + 3] = 255;
    }
    dctx.putImageData(pixels, 0, 0);
    nav.decodes += 1;
    digit.dataset.decodes = String(nav.decodes);
    if (t0 !== null) {
      keep(nav.latencies, performance.now() - t0);
      requestAnimationFrame(() => keep(nav.frameLatencies, performance.now() - t0));
    }
  }

  async function pump() {
    if (nav.busy || !nav.pending || !nav.session) return;
    const { z, t0 } = nav.pending;
    nav.pending = null;
    nav.busy = true;
    try {
      const input = new nav.ort.Tensor("float32", Float32Array.from(z), [1, 2]);
      const out = await nav.session.run({ [nav.session.inputNames[0]]: input });
      drawDigit(out[nav.session.outputNames[0]].data, t0);
    } catch (e) {
      fail(say("decoding_failed", { error: e.message || e }));
    } finally {
      nav.busy = false;
      if (nav.pending) pump();
    }
  }

  function decode(z, t0) {
    nav.pending = { z, t0 };
    pump();
  }

  function fail(reason) {
    nav.session = null;
    root.dataset.status = "fallback";
    status.hidden = false;
    status.textContent = `${nav.data.fallback_text} (${reason}).`;
    digit.parentElement.hidden = true; // The page's own decoded digit stands in for it.
  }

  function moveTo(z, t0) {
    keep(nav.inputDelays, performance.now() - t0);
    nav.hover = z;
    nav.trail.push(z);
    if (nav.trail.length > TRAIL) nav.trail.shift();
    drawPlane();
    showReadout();
    if (nav.session) decode(z, t0);
  }

  function leave() {
    nav.hover = null;
    nav.trail = [];
    drawPlane();
    showReadout();
    // Back to the pinned point, the one the rest of the page shows.
    if (nav.session) decode(resting(), null);
  }

  function pin(z) {
    const step = nav.data.step;
    const snap = (v) => +(Math.round(v / step) * step).toFixed(6);
    nav.data = { ...nav.data, point: [snap(z[0]), snap(z[1])] };
    drawPlane();
    showReadout();
    nav.setTriggerValue("pin", nav.data.point);
  }

  const eventPoint = (e) => {
    const r = plane.getBoundingClientRect();
    return toLatent(e.clientX - r.left, e.clientY - r.top);
  };

  plane.addEventListener("pointerdown", (e) => {
    nav.press = { x: e.clientX, y: e.clientY, id: e.pointerId };
    if (e.pointerType !== "mouse") plane.setPointerCapture(e.pointerId);
    moveTo(eventPoint(e), e.timeStamp);
  });
  plane.addEventListener("pointermove", (e) => moveTo(eventPoint(e), e.timeStamp));
  plane.addEventListener("pointerup", (e) => {
    const p = nav.press;
    nav.press = null;
    if (p && p.id === e.pointerId && Math.hypot(e.clientX - p.x, e.clientY - p.y) <= TAP) pin(eventPoint(e));
    if (e.pointerType !== "mouse") leave();
  });
  plane.addEventListener("pointercancel", () => {
    nav.press = null;
    leave();
  });
  plane.addEventListener("pointerleave", (e) => {
    if (e.pointerType === "mouse") leave();
  });
  // Keyboard: arrows walk (Shift: ten times further), Enter or Space pins, Escape goes back.
  plane.addEventListener("keydown", (e) => {
    const [[a0, b0], [a1, b1]] = nav.data.bounds;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    const start = nav.hover || resting();
    if (e.key in moves) {
      const k = e.shiftKey ? 10 : 1;
      const [dx, dy] = moves[e.key];
      const z = [
        Math.min(b0, Math.max(a0, start[0] + dx * k * nav.data.step)),
        Math.min(b1, Math.max(a1, start[1] + dy * k * nav.data.step)),
      ];
      moveTo(z, e.timeStamp);
    } else if (e.key === "Enter" || e.key === " ") {
      pin(start);
    } else if (e.key === "Escape") {
      leave();
    } else {
      return;
    }
    e.preventDefault();
  });
  plane.addEventListener("blur", () => {
    if (nav.hover && !nav.press) leave();
  });

  function layout() {
    const s = size();
    if (nav.size && nav.size.width === s.width && nav.background) return false;
    nav.size = s;
    const dpr = window.devicePixelRatio || 1;
    plane.width = Math.round(s.width * dpr);
    plane.height = Math.round(s.height * dpr);
    plane.style.width = `${s.width}px`;
    plane.style.height = `${s.height}px`;
    drawBackground();
    return true;
  }

  new ResizeObserver(() => {
    if (nav.data && layout()) drawPlane();
  }).observe(plane.parentElement);

  nav.update = (data) => {
    const old = nav.data;
    // A pin sent from here stays shown until Python's next data says otherwise.
    nav.data = data;
    const samePoints = old && old.points_url === data.points_url && String(old.bounds) === String(data.bounds);
    if (!samePoints) nav.background = null;
    root.setAttribute("aria-label", data.label);
    plane.setAttribute("aria-label", say("plane", { label: data.label }));
    digit.setAttribute("aria-label", say("digit"));
    caption.textContent = data.caption;
    layout() || nav.background || drawBackground();
    drawPlane();
    showReadout();
    if (!samePoints) {
      loadPoints(data.points_url, data.n_points)
        .then((p) => {
          if (nav.data.points_url !== data.points_url) return;
          nav.points = p;
          drawBackground();
          drawPlane();
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
    if (old && old.model_url === data.model_url && nav.session) {
      if (!nav.hover) decode(resting(), null);
      return;
    }
    root.dataset.status = "loading";
    loadRuntime(data.runtime_url, data.wasm_url)
      .then((ort) => {
        nav.ort = ort;
        return loadSession(ort, data.model_url);
      })
      .then((session) => {
        if (nav.data.model_url !== data.model_url) return;
        nav.session = session;
        status.hidden = true;
        digit.parentElement.hidden = false;
        root.dataset.status = "ready";
        decode(nav.hover || resting(), null);
      })
      .catch((e) => fail(e.message || String(e)));
  };
  return nav;
}
