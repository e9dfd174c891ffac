// Draws a decoded digit: 784 values in [0, 1] as grey levels on the 28 x 28 canvas (the
// stylesheet shows it enlarged, its pixels square). Until there is a digit to draw, a line
// over the box says what it waits for.

export class Digit {
  // loading: the element over the canvas that holds the waiting line.
  constructor(canvas, loading) {
    this.canvas = canvas;
    this.loading = loading;
    this.ctx = canvas.getContext("2d");
    this.pixels = this.ctx.createImageData(28, 28);
    this.drawn = 0; // Digits drawn so far, also in the canvas's data-decodes.
  }

  // Shows `text` over the box until the next digit is drawn.
  wait(text) {
    this.loading.textContent = text;
    this.loading.hidden = false;
  }

  draw(values) {
    const px = this.pixels.data;
    for (let i = 0; i < 784; i++) {
      // As aelab.data.images.to_uint8 does on the server.
      const v = Math.floor(Math.min(1, Math.max(0, values[i])) * 255 + 0.5);
      px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = v;
      px[4 * i + 3] = 255;
    }
    this.ctx.putImageData(this.pixels, 0, 0);
    this.loading.hidden = true;
    this.drawn += 1;
    this.canvas.dataset.decodes = String(this.drawn);
  }
}
