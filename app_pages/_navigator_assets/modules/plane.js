// Draws the latent plane. The background, white as the scatters beside it (grid, tick labels,
// axis names, the encoded test digits as dots in their digit's colour with an edge of 3:1
// on white, and each digit written on its cloud, so colour is not the only cue), is
// drawn once per size and point set; over it, at every move, the pointer's fading trail, the
// pinned point's cross and a ring under the pointer.

export class Plane {
  constructor(canvas, layout) {
    this.canvas = canvas;
    this.layout = layout;
    this.background = null; // An offscreen canvas, as large as this one.
  }

  // points: {z, y} or null (not loaded yet); colors, edges: one CSS colour per digit (fill, edge);
  // centres: each digit's [z0, z1] (its label's place) or null; leaders: the [z0, z1] a label beside a
  // crowd points at, or null.
  drawBackground(points, colors, edges = colors, centres = null, leaders = null) {
    const layout = this.layout;
    const { width, height } = layout.size;
    const dpr = window.devicePixelRatio || 1;
    const bg = document.createElement("canvas");
    bg.width = Math.round(width * dpr);
    bg.height = Math.round(height * dpr);
    const ctx = bg.getContext("2d");
    ctx.scale(dpr, dpr);
    const r = layout.area();
    const [[a0, b0], [a1, b1]] = layout.bounds;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = "#E5ECF6"; // Plotly's grid colour, as on the charts beside it.
    ctx.lineWidth = 1;
    ctx.fillStyle = "#2a3f5f";
    ctx.font = "15px sans-serif";
    const maxTicks = Math.max(5, Math.floor(r.w / 50)); // At least -4, -2, 0, 2, 4 on a phone.
    const tx = niceTicks(a0, b0, maxTicks);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of tx.ticks) {
      const [x] = layout.toPixel([v, a1]);
      ctx.beginPath();
      ctx.moveTo(x, r.y);
      ctx.lineTo(x, r.y + r.h);
      ctx.stroke();
      ctx.fillText(fmt(v, tx.step), x, r.y + r.h + 4);
    }
    const ty = niceTicks(a1, b1, maxTicks);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of ty.ticks) {
      const [, y] = layout.toPixel([a0, v]);
      ctx.beginPath();
      ctx.moveTo(r.x, y);
      ctx.lineTo(r.x + r.w, y);
      ctx.stroke();
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
    if (points) {
      const { z, y } = points;
      ctx.save();
      ctx.beginPath();
      ctx.rect(r.x, r.y, r.w, r.h);
      ctx.clip();
      for (let d = 0; d < 10; d++) {
        for (let i = 0; i < y.length; i++) {
          if (y[i] !== d) continue;
          const [px, py] = layout.toPixel([z[2 * i], z[2 * i + 1]]);
          ctx.fillStyle = edges[d]; // The edge meets the white plane at 3:1 or more.
          ctx.fillRect(px - 1.75, py - 1.75, 3.5, 3.5);
          ctx.fillStyle = colors[d];
          ctx.fillRect(px - 0.75, py - 0.75, 1.5, 1.5);
        }
      }
      ctx.restore();
    }
    if (points && centres) labelCentres(ctx, layout, r, centres, leaders);
    this.background = bg;
  }

  // trail: the latest pointer positions, oldest first; pin: the pinned point or null;
  // hover: the point under the pointer or null.
  draw(trail, pin, crossColor, hover) {
    const layout = this.layout;
    const ctx = this.canvas.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.background, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // The trail, fading out: where the pointer has just been, for a class to follow.
    trail.forEach((p, i) => {
      const [x, y] = layout.toPixel(p);
      ctx.fillStyle = `rgba(20, 20, 20, ${(0.55 * (i + 1)) / trail.length})`;
      ctx.beginPath();
      ctx.arc(x, y, 2 + (3 * (i + 1)) / trail.length, 0, 2 * Math.PI);
      ctx.fill();
    });
    if (pin) cross(ctx, layout.toPixel(pin), crossColor, 9);
    if (hover) {
      const [x, y] = layout.toPixel(hover);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}

// Each digit written on its cloud, dark on a white halo: the second cue beside colour. A name beside a
// crowd (aelab/figures/digit_names.py) has a leader to its cloud's median.
function labelCentres(ctx, layout, r, centres, leaders) {
  ctx.save();
  ctx.font = "bold 18px sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.lineJoin = "round";
  centres.forEach((c, d) => {
    if (!c) return;
    const [x, y] = layout.toPixel(c);
    if (x < r.x || x > r.x + r.w || y < r.y || y > r.y + r.h) return; // Off the plane's view.
    const to = leaders && leaders[d];
    if (to) {
      const [tx, ty] = layout.toPixel(to);
      ctx.strokeStyle = "#31333F";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(tx, ty);
      ctx.stroke();
    }
    ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
    ctx.lineWidth = 5;
    ctx.strokeText(String(d), x, y);
    ctx.fillStyle = "#111";
    ctx.fillText(String(d), x, y);
  });
  ctx.restore();
}

// An x with a white outline, readable over dots of any colour.
function cross(ctx, [x, y], color, arm) {
  ctx.lineCap = "round";
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 5;
  ctx.beginPath();
  ctx.moveTo(x - arm, y - arm);
  ctx.lineTo(x + arm, y + arm);
  ctx.moveTo(x - arm, y + arm);
  ctx.lineTo(x + arm, y - arm);
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2.5;
  ctx.stroke();
}

// Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten), at most about maxTicks.
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
