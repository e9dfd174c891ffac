"""Phones that follow the teacher without a browser: Streamlit's websocket protocol and news.js's asks.

Thirty Chromium pages on two cores fall seconds behind on their own rendering, so a class of thirty
followers is measured as a few Chromium phones (the real path, rendering included) beside phones that do
what a follower's browser asks of the server and nothing else (bench/class_live.py --followers N
--chromium K):

- join the class (the page with `?join=CODE`) and switch "Follow the teacher" on;
- like app_pages/_news_assets/news.js: every 0.5 s fetch the class's news file named in the news
  component's data, and once its `pin` counter passed the one the page showed, send the component's
  trigger (one rerun of the `followed_pin` fragment);
- note when the rerun's messages carry the pinned point's caption ("AE at (x, -1.00)"), where a browser
  would start drawing it.
"""

import asyncio
import json
import re
import time
import urllib.error
import urllib.request

import load_sessions as ls

FOLLOW = "Follow the teacher"
EVERY_S = 0.5  # app_pages/_news.py's EVERY_MS.
CAPTION = re.compile(rb"AE at \((\d+\.\d+), -1\.00\)")
TIMEOUT_S = 120


def _trigger_id(component_id, event="events"):
    """The id of a `st.components.v2` component's trigger widget (Streamlit's `_make_trigger_id`)."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    return _make_trigger_id(component_id, event)


class ProtocolFollower:
    """One phone following the teacher, as its browser speaks to the server.

    Args:
        base: the server's `http://127.0.0.1:PORT`.
        code: the class's join code.
    """

    def __init__(self, base, code):
        self.base, self.code = base, code
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.page_hash = ""
        self.toggle = None  # The follow switch's widget id.
        self.news = None  # (component id, its fragment id, its data) as the last run drew it.
        self.pins = {}  # Pinned z0 (as the caption shows it) -> time.time() its caption arrived.
        self.errors = []

    async def _rerun(self, ws, states=(), fragment_id="", query=""):
        msg = ls.BackMsg()
        cs = msg.rerun_script
        cs.query_string, cs.page_name, cs.page_script_hash, cs.fragment_id = query, "class", self.page_hash, fragment_id
        cs.widget_states.widgets.extend(states)
        await ws.send(msg.SerializeToString())
        start = time.monotonic()
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(TIMEOUT_S - (time.monotonic() - start), 0.001))
            for m in CAPTION.finditer(raw):
                self.pins.setdefault(m.group(1).decode(), time.time())
            fwd = ls.ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._look_at(fwd.delta)
            elif kind == "script_finished":
                if fwd.script_finished == ls.ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if fwd.script_finished not in ls.SUCCESS:
                    self.errors.append(f"run ended with status {fwd.script_finished}")
                return

    def _look_at(self, delta):
        el = delta.new_element
        which = el.WhichOneof("type")
        if which == "checkbox" and el.checkbox.label == FOLLOW:
            self.toggle = el.checkbox.id
        elif which == "bidi_component" and el.bidi_component.component_name.endswith("aelab.news"):
            self.news = (el.bidi_component.id, delta.fragment_id, json.loads(el.bidi_component.json))
        elif which == "exception":
            self.errors.append(f"exception on the page: {el.exception.message[:200]}")

    def _states(self, trigger=None):
        on = ls.WidgetState(id=self.toggle)
        on.bool_value = True
        states = [on]
        if trigger is not None:
            fire = ls.WidgetState(id=_trigger_id(self.news[0]))
            fire.json_trigger_value = json.dumps([{"event": "moved", "value": trigger}])
            states.append(fire)
        return states

    def _news_now(self):
        try:
            with urllib.request.urlopen(self.base + self.news[2]["url"], timeout=10) as r:
                return json.loads(r.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    async def follow(self, stop):
        """Joins, switches following on, and answers the news until `stop` (an asyncio.Event) is set."""
        try:
            async with ls.websockets.connect(self.url, subprotocols=["streamlit"], max_size=None) as ws:
                await self._rerun(ws, query=f"join={self.code}")
                if self.toggle is None:
                    self.errors.append(f"no {FOLLOW!r} switch on the page")
                    return
                await self._rerun(ws, self._states())
                if self.news is None:
                    self.errors.append("following drew no news component")
                    return
                while not stop.is_set():
                    await asyncio.sleep(EVERY_S)
                    news = await asyncio.to_thread(self._news_now)
                    if news is not None and news.get("pin", 0) > self.news[2]["seen"]["pin"]:
                        await self._rerun(ws, self._states(int(time.time() * 1000)), self.news[1])
        except (TimeoutError, asyncio.TimeoutError):
            self.errors.append(f"no answer within {TIMEOUT_S} s")
        except (OSError, ls.websockets.ConnectionClosed, ls.websockets.InvalidHandshake) as e:
            self.errors.append(f"connection lost: {type(e).__name__}: {e}")
