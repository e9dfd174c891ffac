// Where things are on the plane's canvas: a square as wide as its column (at the screen's
// pixel density), the plotting area inside margins kept for the tick labels, and the map
// between a CSS pixel there and a latent point.

export const MARGIN = { left: 46, right: 10, top: 10, bottom: 38 }; // Room for the tick labels.

export class Layout {
  constructor(canvas) {
    this.canvas = canvas;
    this.size = null; // {width, height} in CSS pixels.
    this.bounds = null; // [[z0 low, z0 high], [z1 low, z1 high]], from Python.
  }

  // Sizes the canvas to its column; true if its size changed (it is blank then).
  fit() {
    const width = Math.max(200, Math.floor(this.canvas.parentElement.clientWidth));
    if (this.size && this.size.width === width) return false;
    this.size = { width, height: width };
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(width * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${width}px`;
    return true;
  }

  area() {
    const { width, height } = this.size;
    return {
      x: MARGIN.left,
      y: MARGIN.top,
      w: width - MARGIN.left - MARGIN.right,
      h: height - MARGIN.top - MARGIN.bottom,
    };
  }

  toPixel([z0, z1]) {
    const [[a0, b0], [a1, b1]] = this.bounds;
    const r = this.area();
    return [r.x + ((z0 - a0) / (b0 - a0)) * r.w, r.y + (1 - (z1 - a1) / (b1 - a1)) * r.h];
  }

  // The latent point at a CSS pixel of the canvas, kept on the plane.
  toLatent(px, py) {
    const [[a0, b0], [a1, b1]] = this.bounds;
    const r = this.area();
    const fx = Math.min(1, Math.max(0, (px - r.x) / r.w));
    const fy = Math.min(1, Math.max(0, (py - r.y) / r.h));
    return [a0 + fx * (b0 - a0), a1 + (1 - fy) * (b1 - a1)];
  }

  // The latent point under a pointer event.
  at(e) {
    const r = this.canvas.getBoundingClientRect();
    return this.toLatent(e.clientX - r.left, e.clientY - r.top);
  }

  centre() {
    const [[a0, b0], [a1, b1]] = this.bounds;
    return [(a0 + b0) / 2, (a1 + b1) / 2];
  }

  // `z`, or the nearest point of the plane.
  clamp([z0, z1]) {
    const [[a0, b0], [a1, b1]] = this.bounds;
    return [Math.min(b0, Math.max(a0, z0)), Math.min(b1, Math.max(a1, z1))];
  }
}
