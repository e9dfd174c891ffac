// The scrubber: a slider whose every stop was computed by the server for this sample and sent
// once, as one PNG atlas (band s holds the pictures of stop s; the last band the pictures that
// do not change). Moving it under the pointer, a finger or the keys draws the stop's pictures
// from the decoded atlas, writes its numbers and moves the chart's marker, here in the browser:
// nothing reaches the server until the value settles (pointer released, or half a second after
// the last key), which is one state value and one rerun, so the link follows the settled value.
// Streamlit runs this default export on every rerun with that run's data.

const SETTLE_MS = 500; // After the last key: a student stepping through stops is not interrupted.

export default function (component) {
  const root = component.parentElement.querySelector(".scrub");
  let s = root.__scrub;
  if (!s) s = root.__scrub = mount(root);
  s.update(component);
  return undefined;
}

function mount(root) {
  const track = root.querySelector(".track");
  const s = {
    data: null,
    index: 0,
    shown: 0, // Frames drawn: read by the browser tests and bench/scrub.py.
    settled: null, // The index Python last heard of (or was sent).
    timer: null,
    bitmap: null,
    atlas: null, // The atlas URL the bitmap is of.
    cells: [], // {canvas, ctx, t|s, alt}: the pictures, in rows.
    texts: [], // {el, values}: texts that change with the stop.
    setStateValue: null,
  };
  const n = () => s.data.stops.length;

  function settle() {
    clearTimeout(s.timer);
    s.timer = null;
    if (s.index !== s.settled) {
      s.settled = s.index;
      s.setStateValue("value", s.index); // One rerun: Python puts the value in the link.
    }
  }

  function move(i, t0, later) {
    i = Math.max(0, Math.min(n() - 1, i));
    if (i !== s.index) show(i, t0);
    clearTimeout(s.timer);
    s.timer = later ? setTimeout(settle, SETTLE_MS) : null;
  }

  function at(e) {
    const r = track.getBoundingClientRect();
    const inner = r.width - 22; // The thumb's centre runs 11 px inside either end.
    return Math.round(((e.clientX - r.left - 11) / Math.max(1, inner)) * (n() - 1));
  }

  let pressed = null;
  track.addEventListener("pointerdown", (e) => {
    pressed = e.pointerId;
    track.setPointerCapture(e.pointerId);
    track.focus({ preventScroll: true });
    clearTimeout(s.timer);
    move(at(e), e.timeStamp, false);
    e.preventDefault();
  });
  track.addEventListener("pointermove", (e) => {
    if (pressed === e.pointerId) move(at(e), e.timeStamp, false);
  });
  const release = (e) => {
    if (pressed !== e.pointerId) return;
    pressed = null;
    settle();
  };
  track.addEventListener("pointerup", release);
  track.addEventListener("pointercancel", release);
  track.addEventListener("keydown", (e) => {
    const page = Math.max(2, Math.round(n() / 8));
    const to = {
      ArrowRight: s.index + 1, ArrowUp: s.index + 1, ArrowLeft: s.index - 1, ArrowDown: s.index - 1,
      PageUp: s.index + page, PageDown: s.index - page, Home: 0, End: n() - 1,
    }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    move(to, e.timeStamp, true);
  });
  track.addEventListener("blur", () => {
    if (s.timer) settle();
  });

  function build(data) {
    // The pictures' canvases and the texts around them, for this run's layout.
    const rows = root.querySelector(".rows");
    rows.replaceChildren();
    rows.className = `rows ${data.layout}`;
    root.classList.toggle("pixelated", !!data.pixelated);
    s.cells = [];
    s.texts = [];
    const [tw, th] = data.tile;
    const cols = (k) => `repeat(${k}, minmax(0, ${data.cell_px}px))`;
    const text = (el, values) => (typeof values === "string" ? (el.textContent = values) : s.texts.push({ el, values }));
    if (data.note) {
      const note = rows.appendChild(document.createElement("div"));
      note.className = "note";
      text(note, data.note);
    }
    if (data.heads) {
      const head = document.createElement("div");
      head.className = "row";
      head.style.gridTemplateColumns = cols(data.heads.length);
      for (const h of data.heads) {
        const el = head.appendChild(document.createElement("div"));
        el.className = "head";
        text(el, h);
      }
      rows.append(head);
    }
    for (const r of data.rows) {
      const row = document.createElement("div");
      row.className = "row";
      row.setAttribute("role", "group");
      row.style.gridTemplateColumns = cols(r.cells.length);
      for (const c of r.cells) {
        const canvas = row.appendChild(document.createElement("canvas"));
        canvas.width = tw;
        canvas.height = th;
        canvas.style.aspectRatio = `${tw} / ${th}`; // A chart's frame is wider than high; digits are square.
        canvas.setAttribute("role", "img");
        text({ set textContent(v) { canvas.setAttribute("aria-label", v); } }, c.alt);
        s.cells.push({ canvas, ctx: canvas.getContext("2d"), t: c.t, s: c.s });
      }
      if (r.caption) {
        const cap = row.appendChild(document.createElement("div"));
        cap.className = "caption";
        text(cap, r.caption);
      }
      rows.append(row);
    }
    drawStatic();
  }

  function drawStatic() {
    if (!s.bitmap) return;
    const [tw, th] = s.data.tile;
    const band = n();
    for (const c of s.cells) if (c.s !== undefined) c.ctx.drawImage(s.bitmap, c.s * tw, band * th, tw, th, 0, 0, tw, th);
  }

  function show(i, t0) {
    const d = s.data;
    s.index = i;
    if (s.bitmap) {
      const [tw, th] = d.tile;
      for (const c of s.cells) if (c.t !== undefined) c.ctx.drawImage(s.bitmap, c.t * tw, i * th, tw, th, 0, 0, tw, th);
    }
    for (const { el, values } of s.texts) el.textContent = values[i];
    const frac = n() > 1 ? i / (n() - 1) : 0;
    track.querySelector(".thumb").style.left = `calc(11px + (100% - 22px) * ${frac})`;
    track.querySelector(".fill").style.width = `calc((100% - 22px) * ${frac})`;
    track.setAttribute("aria-valuenow", d.numbers ? d.numbers[i] : i);
    track.setAttribute("aria-valuetext", d.stops[i]);
    root.querySelector(".value").textContent = d.stops[i];
    showMetrics(d.metrics ? d.metrics[i] : []);
    if (d.marker) moveMarker(d.marker, i);
    // A step of the pointer or a key only: the figure a rerun draws is already at the settled stop.
    if (d.traces && t0 != null) moveTraces(d.traces, i);
    s.shown += 1;
    if (t0 != null && window.aelabScrubTimers) {
      const drawn = performance.now() - t0;
      requestAnimationFrame(() => window.aelabScrubTimers.push({ drawn, painted: performance.now() - t0 }));
    }
  }

  function showMetrics(list) {
    const box = root.querySelector(".metrics");
    while (box.children.length > list.length) box.lastChild.remove();
    list.forEach(([label, value, delta, dir], k) => {
      let m = box.children[k];
      if (!m) {
        m = box.appendChild(document.createElement("div"));
        m.className = "metric";
        for (const part of ["m-label", "m-value", "m-delta"]) m.appendChild(document.createElement("div")).className = part;
      }
      m.children[0].textContent = label;
      m.children[1].textContent = value;
      m.children[2].textContent = delta || "";
      m.children[2].className = `m-delta ${dir || ""}`;
    });
  }

  s.update = ({ data, setStateValue }) => {
    const old = s.data;
    s.data = data;
    s.setStateValue = setStateValue;
    root.setAttribute("aria-label", data.group_label || data.label);
    root.querySelector(".label").textContent = data.label;
    root.querySelector(".lo").textContent = data.stops[0];
    root.querySelector(".hi").textContent = data.stops[data.stops.length - 1];
    track.setAttribute("aria-label", data.label);
    root.hidden = false; // Hidden in the HTML until here: never a slider without its name and value.
    track.setAttribute("aria-valuemin", data.numbers ? data.numbers[0] : 0);
    track.setAttribute("aria-valuemax", data.numbers ? data.numbers[data.numbers.length - 1] : data.stops.length - 1);
    // Python's value, unless the pointer or a key moved it and it has not settled yet.
    if (!s.timer && pressed === null) {
      s.index = data.value;
      s.settled = data.value;
    }
    build(data);
    show(Math.min(s.index, data.stops.length - 1), null);
    if (!data.atlas) {
      root.dataset.ready = "1"; // Nothing to draw: it moves a chart's traces only.
    } else if (!old || old.atlas !== data.atlas) {
      const url = data.atlas;
      const img = new Image();
      img.src = url;
      img
        .decode()
        .then(() => createImageBitmap(img))
        .then((bitmap) => {
          if (s.data.atlas !== url) return;
          s.bitmap = bitmap;
          s.atlas = url;
          root.dataset.ready = "1";
          drawStatic();
          show(s.index, null);
        })
        .catch((e) => {
          const status = root.querySelector(".status");
          status.hidden = false;
          status.textContent = `${data.failed} (${e.message || e})`;
        });
    }
  };
  return s;
}

// Moves the chart's marker (its dotted lines and its "σ = 0.30" note) to stop `i`, in the
// Plotly figure Streamlit drew for the chart's key: the figure is redrawn at the settled
// value by the rerun that follows, so this only has to hold in between.
function moveMarker(spec, i) {
  const gd = document.querySelector(`.st-key-${spec.chart} .js-plotly-plot`);
  const fl = gd && gd._fullLayout;
  if (!fl || !fl.shapes) return;
  if (!gd.__aelabMarker) {
    gd.__aelabMarker = { i };
    // A redraw (a resize, a hover toolbar) puts the marker back where Python drew it.
    gd.on?.("plotly_afterplot", () => {
      gd.__aelabMarker.width = null;
      moveMarker(spec, gd.__aelabMarker.i);
    });
  }
  gd.__aelabMarker.i = i;
  const v = spec.values[i];
  const px = (ref, x) => {
    const ax = fl[`xaxis${ref.replace(/^x/, "")}`];
    return ax ? ax._offset + ax.l2p(x) : null;
  };
  fl.shapes.forEach((shape, k) => {
    const path = gd.querySelector(`.shapelayer path[data-index="${k}"]`);
    const x = px(shape.xref, v);
    const m = path && path.getAttribute("d").match(/^M[\d.eE+-]+,([\d.eE+-]+)L[\d.eE+-]+,([\d.eE+-]+)/);
    if (m && x !== null) path.setAttribute("d", `M${x},${m[1]}L${x},${m[2]}`);
  });
  const k = fl.annotations.findIndex((a) => String(a.text).startsWith(spec.prefix));
  const g = k < 0 ? null : gd.querySelector(`g.annotation[data-index="${k}"]`);
  const label = g && g.querySelector("text.annotation-text");
  if (!label) return;
  const a = fl.annotations[k];
  if (gd.__aelabMarker.width == null) {
    g.removeAttribute("transform");
    gd.__aelabMarker.width = label.getBBox().width; // As Python drew it.
  }
  const x0 = px(a.xref, a.x);
  const left0 = a.xanchor === "right" ? x0 - 4 - gd.__aelabMarker.width : x0 + 4;
  label.textContent = spec.texts[i];
  // Every stop's note has the same format ("σ = 0.30"): the width measured once stands for all, so a
  // step does not force a layout in the middle of drawing.
  const w = gd.__aelabMarker.width;
  const x = px(a.xref, v);
  const left = spec.right[i] ? x - 4 - w : x + 4;
  g.setAttribute("transform", `translate(${left - left0},0)`);
}

// Puts stop `i`'s outlines and legend names in the chart's SVG line traces (the VAE's ellipses at
// one enlargement) by rewriting the paths plotly.js drew, in the subplot's pixels: a `Plotly.restyle`
// would redraw the whole chart with its 10,000 WebGL points, 44-74 ms a step in headless Chromium.
// The figure the settled value's rerun draws replaces this.
function moveTraces(spec, i) {
  const gd = document.querySelector(`.st-key-${spec.chart} .js-plotly-plot`);
  const fl = gd && gd._fullLayout;
  if (!fl || !gd._fullData) return;
  for (const item of spec.items) {
    const k = gd._fullData.findIndex((t) => String(t.name || "").startsWith(item.match));
    if (k < 0) continue;
    const t = gd._fullData[k];
    const xa = fl[`xaxis${(t.xaxis || "x").slice(1)}`];
    const ya = fl[`yaxis${(t.yaxis || "y").slice(1)}`];
    const group = [...gd.querySelectorAll(".scatterlayer .trace")].find((g) => g.__data__?.[0]?.trace?.index === k);
    const lines = group ? group.querySelectorAll("path.js-line") : [];
    if (!xa || !ya || !lines.length) continue;
    lines.forEach((path, j) => path.setAttribute("d", j ? "M0,0" : outlinePath(item.x[i], item.y[i], xa, ya)));
    const legend = [...gd.querySelectorAll(".legend .traces")].find((g) => g.__data__?.[0]?.trace?.index === k);
    const text = legend && legend.querySelector("text.legendtext");
    if (text && text.textContent !== item.names[i]) {
      const before = text.getComputedTextLength();
      text.textContent = item.names[i];
      shiftAfter(legend, text.getComputedTextLength() - before); // "×5" to "×20": the row's next entries move.
    }
  }
}

// Moves the legend entries after `entry` on its row by `dx` pixels.
function shiftAfter(entry, dx) {
  const at = (g) => (g.getAttribute("transform") || "").match(/translate\(([-\d.e]+),\s*([-\d.e]+)\)/);
  const row = at(entry);
  if (!row || !dx) return;
  for (let g = entry.nextElementSibling; g; g = g.nextElementSibling) {
    const p = at(g);
    if (p && p[2] === row[2]) g.setAttribute("transform", `translate(${parseFloat(p[1]) + dx},${p[2]})`);
  }
  // The legend's box and the clip of its entries, wider by as much, so the row's last name is not cut.
  const legend = entry.closest(".legend");
  const clip = legend && legend.querySelector(".scrollbox")?.getAttribute("clip-path")?.match(/url\(["']?#([^"')]+)/);
  const rects = [legend?.querySelector("rect.bg"), clip && document.getElementById(clip[1])?.querySelector("rect")];
  for (const r of rects) if (r && dx > 0) r.setAttribute("width", parseFloat(r.getAttribute("width")) + dx);
}

// One SVG path of every outline (a null between two ends one), in the subplot's pixels.
function outlinePath(xs, ys, xa, ya) {
  let d = "";
  let pen = "M";
  for (let j = 0; j < xs.length; j++) {
    if (xs[j] === null || ys[j] === null) {
      pen = "M";
      continue;
    }
    d += `${pen}${xa.c2p(xs[j]).toFixed(1)},${ya.c2p(ys[j]).toFixed(1)}`;
    pen = "L";
  }
  return d || "M0,0";
}
