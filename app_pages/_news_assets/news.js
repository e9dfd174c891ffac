// Waits for a class's news without the server running any script: asks for the class's news file
// (a static file the server rewrites when the class moves, aelab/classroom/news.py) every half second
// (every 5 s while the page is hidden) and, once a counter this page shows has grown, asks Streamlit for one rerun.
// Streamlit runs this default export on every rerun with that run's data (what the page now shows).

export default function (component) {
  const root = component.parentElement.querySelector(".aelab-news");
  let w = root.__news;
  if (!w) w = root.__news = { timer: null, asked: false, polls: 0 };
  w.data = component.data;
  w.setTriggerValue = component.setTriggerValue;
  w.asked = false; // A new run drew the page: news from now on is news again.
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

async function tick(w) {
  const every = document.visibilityState === "hidden" ? w.data.hidden_ms : w.data.every_ms;
  w.timer = setTimeout(() => tick(w), every);
  if (w.asked) return;
  try {
    // "no-cache": the browser revalidates; an unchanged file is a 304, no body.
    const response = await fetch(w.data.url, { cache: "no-cache" });
    w.polls += 1; // Read by the browser tests.
    if (!response.ok) return; // Not written yet, or the server restarting: the next tick asks again.
    const news = await response.json();
    if (!w.asked && moved(news, w.data.seen, w.data.fields)) {
      w.asked = true;
      w.setTriggerValue("moved", Date.now());
    }
  } catch (e) {
    // The network or the server went away for a moment: keep asking.
  }
}
