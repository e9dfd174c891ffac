// Latency timers for bench/navigator.py. Loaded only when the page asks for them by setting
// `window.aelabNavigatorTimers = true` before the navigator starts (the benchmark does, in
// an init script), so a student's browser never runs them. The times are in ms from the
// pointer event (its timeStamp), and the newest 5000 of each are kept in the navigator's
// root element's `__navStats`.

const KEEP = 5000;

function keep(list, value) {
  list.push(value);
  if (list.length > KEEP) list.shift();
}

export function attach(root) {
  const stats = {
    latencies: [], // To the new digit's pixels on the canvas.
    frameLatencies: [], // To the next animation frame after them.
    inputDelays: [], // To its handler (the time the page was busy).
  };
  root.__navStats = stats;
  return {
    moved(t0) {
      keep(stats.inputDelays, performance.now() - t0);
    },
    drawn(t0) {
      keep(stats.latencies, performance.now() - t0);
      requestAnimationFrame(() => keep(stats.frameLatencies, performance.now() - t0));
    },
  };
}
