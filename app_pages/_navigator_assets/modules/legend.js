// The plane's legend: which colour is which digit, a swatch (fill and edge as the dots have
// them) with the digit beside it. The digits are also written on the plane (plane.js), so
// colour is not the only cue.

export function showLegend(list, label, colors, edges = colors) {
  list.setAttribute("aria-label", label);
  list.replaceChildren(
    ...colors.map((color, d) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = color;
      swatch.style.borderColor = edges[d];
      item.append(swatch, String(d));
      return item;
    }),
  );
}
