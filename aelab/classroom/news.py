"""News of the classes that pages wait on: one small file per class, rewritten when the class moves.

The teacher's maps and a student who follows the teacher must show a new digit or a new pin within a
second, while nobody touches the page. A Streamlit page can only learn of news by running Python: a
fragment rerun twice a second per page cost the server ~5 ms each, a third of a core for a class of
30 followers doing nothing. Instead one thread per server process reads the counters of every class a
page waits on (`ClassStore.poll_many`, one query for all of them, ten times a second) and, when a
class moves, rewrites `news-<name>.json` in a folder the web server serves as static files. The
browsers ask for that file (app_pages/_news.py); an unchanged file costs the server a static-file
answer, no script run, and a page reruns only when its news moved. With several replicas on one
PostgreSQL database each replica's thread reads the same counters, so a pin set through one replica
reaches students on the other.

The file holds only counters (no drawing, no name, no token), under a name derived from the code, which
every student of the class already has.
"""

import hashlib
import json
import logging
import os
import threading
import time

from aelab import locations

log = logging.getLogger(__name__)

INTERVAL_S = 0.1  # How often the thread reads the counters: a digit is in the file within 0.1 s of its commit.
FORGET_S = 120.0  # A class no page asked about for this long is no longer read (a page asks on each run).
# A watched class's file is rewritten at least this often, with a new `beat`: a browser that sees the
# beat stop (the server that kept the file died; another one, sharing the folder, does not watch the class
# yet) asks for one rerun, which makes its new server watch the class (app_pages/_news_assets/news.js).
HEARTBEAT_S = 2.0


def file_name(code):
    """The news file's name of the class `code` (a hash: the folder lists no codes)."""
    return "news-" + hashlib.sha256(f"aelab-class:{code}".encode()).hexdigest()[:24] + ".json"


def news_of(counters):
    """The news file's content for a class's `(version, pin_seq, closed)`, or None for a class that is gone."""
    if counters is None:
        return {"gone": True}
    version, pin_seq, closed = counters
    return {"version": int(version), "pin": int(pin_seq), "closed": bool(closed), "gone": False}


class Newsroom:
    """Keeps a news file up to date for each class a page waits on.

    Args:
        store: the `ClassStore` to read.
        folder: where the files go (served to browsers as static files).
        interval_s: seconds between two reads of the counters.
        forget_s: a class stops being read when no page asked about it for this long.
        heartbeat_s: a watched class's file is rewritten at least this often (its `beat` grows).
    """

    def __init__(self, store, folder, interval_s=INTERVAL_S, forget_s=FORGET_S, heartbeat_s=HEARTBEAT_S):
        self.store, self.folder = store, os.fspath(folder)
        self.interval_s, self.forget_s, self.heartbeat_s = interval_s, forget_s, heartbeat_s
        self._asked = {}  # code -> monotonic time a page last asked
        self._written = {}  # code -> the news last written
        self._beats = {}  # code -> (monotonic time of the last write, beat number)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def watch(self, code, counters):
        """Says a page waits on the class `code`; returns its news file's name.

        Args:
            code: the class's code.
            counters: its `(version, pin_seq, closed)` as the page just read them: written at once if
                they are news, so the file is never behind what the page shows.

        Returns:
            The file's name in `folder`.
        """
        with self._lock:
            self._asked[code] = time.monotonic()
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="aelab-class-news", daemon=True)
                self._thread.start()
        self._publish({code: counters})
        return file_name(code)

    def poll_once(self):
        """Reads the counters of every class a page waits on and rewrites the files of those that moved."""
        now = time.monotonic()
        with self._lock:
            for code in [c for c, t in self._asked.items() if now - t > self.forget_s]:
                del self._asked[code]
                self._written.pop(code, None)
                self._beats.pop(code, None)
            codes = list(self._asked)
        if codes:
            self._publish(self.store.poll_many(codes))

    def _publish(self, counters_by_code):
        os.makedirs(self.folder, exist_ok=True)
        for code, counters in counters_by_code.items():
            news = news_of(counters)
            with self._lock:
                old = self._written.get(code)
                if old is not None and not old["gone"] and not news["gone"]:
                    # Counters only grow: the thread's older read never undoes a page's fresher one.
                    news = {k: max(old[k], news[k]) for k in news}
                last, beat = self._beats.get(code, (0.0, 0))
                now = time.monotonic()
                if old == news and now - last < self.heartbeat_s:
                    continue
                self._written[code], self._beats[code] = news, (now, beat + 1)
                text = json.dumps({**news, "beat": beat + 1})
                locations.write_text_atomic(os.path.join(self.folder, file_name(code)), text)

    def _run(self):
        while not self._stop.wait(self.interval_s):
            try:
                self.poll_once()
            except Exception:  # A database hiccup: the next read tries again; the pages keep what they show.
                log.exception("reading the classes' news failed")

    def stop(self):
        """Stops the thread (tests; a server's thread is a daemon and ends with it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
