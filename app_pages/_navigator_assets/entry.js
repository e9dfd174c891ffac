// The latent navigator's entry: the one script Streamlit runs itself, from a blob: URL, on
// every rerun with that run's data. The navigator proper is a few small ES modules
// (modules/, see navigator.js there) that _navigator.py publishes in static/navigator/
// under their sha256, so a browser may keep them and never runs a stale one; they are
// imported once per page from `data.navigator_url`.

export default function (component) {
  const root = component.parentElement.querySelector(".nav");
  root.__latest = component;
  if (!root.__mounted) {
    // Said at once, while the modules, the runtime and the model load; digit.js hides it at the first digit.
    root.querySelector(".loading").textContent = component.data.text?.loading ?? "";
    // The server's digit at the resting point meanwhile, so the box is never empty (digit.js draws over it).
    const picture = new Image();
    picture.onload = () => {
      const canvas = root.querySelector("canvas.digit");
      if (canvas.dataset.decodes) return;
      canvas.getContext("2d").drawImage(picture, 0, 0, 28, 28);
      root.querySelector(".loading").classList.add("on-picture");
    };
    if (component.data.server_digit) picture.src = component.data.server_digit;
    // Absolute: a blob: module has no base address for a path.
    const url = new URL(component.data.navigator_url, window.location.origin).href;
    root.__mounted = import(url)
      .then((m) => m.mount(root, component))
      .catch((e) => {
        // The page's sliders and its server-decoded digit still work.
        root.dataset.status = "fallback";
        const status = root.querySelector(".status");
        status.hidden = false;
        status.textContent = `${component.data.fallback_text} (${e.message || e}).`;
        root.querySelector(".digit-box").hidden = true;
        return null;
      });
  }
  root.__mounted.then((nav) => {
    if (nav && root.__latest === component) nav.update(component);
  });
  return undefined;
}
