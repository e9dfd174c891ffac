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
  if (!w) w = root.__news = { timer: null, asked: null, polls: 0, actedAt: 0 };
  if (!w.unlisten) w.unlisten = listen(w);
  if (w.data && w.data.url !== component.data.url) w.found = false; // Another class's file.
  w.data = component.data;
  w.setTriggerValue = component.setTriggerValue;
  w.asked = null; // A new run drew the page: news from now on is news again.
  if (!w.timer) tick(w);
  return () => {
    clearTimeout(w.timer);
    w.timer = null;
    if (w.unlisten) w.unlisten();
    w.unlisten = null;
  };
}

function moved(news, seen, fields) {
  if (news.gone) return true;
  return fields.some((f) => (f === "closed" ? news.closed && !seen.closed : news[f] > seen[f]));
}

const HOLD_MS = 3000; // After a press or a key on the page: time for the run it started to begin.

// Whether a run of the page's script is under way or about to start: Streamlit's own mark on the app's
// root while it runs, and the last press or key on the page (Streamlit marks nothing until the server
// says the run began). A rerun asked then would cut that run short, and with it a press that no callback
// has taken yet (a student's Send, the first action in a session new to this server after a replica
// died): the press would be lost without a word. The news waits; the run draws this component again.
function busy(w, now) {
  const app = document.querySelector("[data-test-script-state]");
  const state = app && app.getAttribute("data-test-script-state");
  return state === "running" || state === "rerunRequested" || now - w.actedAt < HOLD_MS;
}

const ACTIONS = ["pointerdown", "keydown", "click"];

// Notes the page's presses and keys; returns what stops noting them.
function listen(w) {
  const acted = () => {
    w.actedAt = Date.now();
  };
  for (const type of ACTIONS) document.addEventListener(type, acted, true);
  return () => ACTIONS.forEach((type) => document.removeEventListener(type, acted, true));
}

// The rerun asked for, with what the checks knew before it: put back should the rerun never come.
// Returns whether it asked (not while the page is busy: a later tick checks again).
function ask(w, now) {
  if (busy(w, now)) return false;
  w.asked = { at: now, found: w.found, staleAsked: w.staleAsked };
  w.setTriggerValue("moved", now);
  return true;
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
      if (ask(w, Date.now())) w.found = false;
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
    if (!w.asked && (stale || moved(news, w.data.seen, w.data.fields)) && ask(w, now)) {
      w.staleAsked = w.staleAsked || stale;
    }
  } catch (e) {
    // The network or the server went away for a moment: keep asking.
  }
}
