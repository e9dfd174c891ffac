// Keeps this tab's place in a class (the Class page's seat) in the tab's sessionStorage, so that a new
// server session (Streamlit reconnected to another replica after its own went down, or restarted) can
// take it back: the teacher stays the teacher, a student keeps their digits and nickname.
// Streamlit runs this default export on every rerun with that run's data (`run` makes each run's new).

const KEY = "aelab-class-seat";

function same(a, b) {
  return !!a && !!b && a.code === b.code && a.teacher === b.teacher && a.owner === b.owner && a.token === b.token;
}

export default function (component) {
  const d = component.data;
  if (d.forget) {
    sessionStorage.removeItem(KEY);
    return;
  }
  let stored = null;
  try {
    stored = JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch (e) {
    stored = null;
  }
  if (stored && !d.asked && !same(stored, d.seat)) {
    // Python checks it and takes it once; until a run says it answered (`asked`), every run asks again:
    // a trigger is lost when another rerun (a press, the class's news) cuts its run short.
    component.setTriggerValue("restore", stored);
    return;
  }
  if (d.seat) sessionStorage.setItem(KEY, JSON.stringify(d.seat));
}
