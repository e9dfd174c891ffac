// Waits for a class's news without the server running any script: asks for the class's news file
// (a static file the server rewrites when the class moves, aelab/classroom/news.py) every half second
// (every 5 s while the page is hidden) and, once a counter this page shows has grown, asks Streamlit for one rerun.
// Streamlit runs this default export on every rerun with that run's data (what the page now shows).

const STALE_MS = 8000; // The server rewrites a watched file every 2 s (aelab/classroom/news.py, HEARTBEAT_S).
// A trigger sent while Streamlit's websocket was down (a replica died a moment ago) is dropped, and no
// run comes to draw the page again. Asked this long ago with no run since, the news is news again.
const RETRY_MS = 20000; // Longer than any run of a page that waits for news, so a slow run is not cut short.

export default function (component) {
  const root = component.parentElement.querySelector(".aelab-news");
  let w = root.__news;
  if (!w) w = root.__news = { timer: null, asked: null, polls: 0 };
  if (w.data && w.data.url !== component.data.url) w.found = false; // Another class's file.
  w.data = component.data;
  w.setTriggerValue = component.setTriggerValue;
  w.asked = null; // A new run drew the page: news from now on is news again.
  if (!w.timer) tick(w);
  return () => {
    clearTimeout(w.timer);
    w.timer = null;
  };
}

function moved(news, seen, fields) {
  if (news.gone) return true;
  return fields.some((f) => (f === "closed" ? news.closed && !seen.closed : news[f] > seen[f]));
}

// The rerun asked for, with what the checks knew before it: put back should the rerun never come.
function ask(w, now) {
  w.asked = { at: now, found: w.found, staleAsked: w.staleAsked };
  w.setTriggerValue("moved", now);
}

async function tick(w) {
  const every = document.visibilityState === "hidden" ? w.data.hidden_ms : w.data.every_ms;
  w.timer = setTimeout(() => tick(w), every);
  if (w.asked && Date.now() - w.asked.at > RETRY_MS) {
    [w.found, w.staleAsked, w.asked] = [w.asked.found, w.asked.staleAsked, null]; // As before the ask.
  }
  if (w.asked) return;
  try {
    // "no-cache": the browser revalidates; an unchanged file is a 304, no body.
    const response = await fetch(w.data.url, { cache: "no-cache" });
    w.polls += 1; // Read by the browser tests.
    if (response.status === 404 && w.found && !w.asked) {
      // It was there and is not: this tab now talks to another server (a replica died, a restart), whose
      // new session has not asked for this class's news yet. One rerun there starts it (and the seat
      // keeper hands the seat back); never more than once per file seen.
      ask(w, Date.now());
      w.found = false;
      return;
    }
    if (!response.ok) return; // Not written yet, or the server restarting: the next tick asks again.
    w.found = true;
    const news = await response.json();
    const now = Date.now();
    if (news.beat !== w.beat) [w.beat, w.beatAt, w.staleAsked] = [news.beat, now, false];
    // The server that kept the file stopped rewriting it (it died; the one this tab now talks to shares
    // the folder but does not watch the class yet): one rerun there starts it.
    const stale = now - w.beatAt > STALE_MS && !w.staleAsked;
    if (!w.asked && (stale || moved(news, w.data.seen, w.data.fields))) {
      ask(w, now);
      w.staleAsked = w.staleAsked || stale;
    }
  } catch (e) {
    // The network or the server went away for a moment: keep asking.
  }
}
