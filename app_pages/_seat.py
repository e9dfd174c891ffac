"""Keeps a tab's place in a class across server sessions (not a page).

Streamlit keeps a session's state in the server process. When that process goes away (a replica killed
behind nginx, a restart), the browser reconnects to a new session that knows nothing: the teacher would
see "Start a class", a student would come back as a new student. This `st.components.v2` component keeps
the seat (the class code; the teacher's token, or the student's id and nickname) in the tab's
sessionStorage and, in a new session, hands it back once; the Class page checks it (the token against
the store's hash, the code against the store) before it takes it.
"""

import pathlib

import streamlit as st

_ASSETS = pathlib.Path(__file__).with_name("_seat_assets")
_COMPONENT = st.components.v2.component(
    "aelab.class_seat",
    html='<span class="aelab-seat" hidden></span>',
    js=(_ASSETS / "seat.js").read_text(),
    isolate_styles=False,
)
ASKED = "class_seat_asked"  # Session key: this session already took (or refused) a stored seat.
FORGET = "class_seat_forget"  # Session key: the seat was left on purpose; the tab forgets it.
RUNS = "class_seat_runs"  # Session key: how many runs drew the seat keeper.


def keep(seat, owner, on_restore, key="class_seat"):
    """Stores this tab's seat, or hands a stored one to `on_restore(stored)` in a session that has none of it.

    Args:
        seat: the session's `ClassSeat`, or None.
        owner: the session's owner id (a student's identity in the class).
        on_restore: called with the stored dict (unchecked input from the browser) in the callback phase.
        key: the component's key.
    """
    data = None
    if seat is not None:
        data = {"code": seat.code, "teacher": bool(seat.teacher)}
        if seat.teacher:
            data["token"] = seat.token
        else:
            data.update(owner=owner, nickname=seat.nickname or "")

    def restore():
        stored = st.session_state.get(key, {}).get("restore")
        # Taken once: the tab asks again on every run until this session says it answered (a trigger can
        # be lost when its rerun is cut short), so a repeat, or a trigger that came without its seat, is
        # not an answer.
        if isinstance(stored, dict) and not st.session_state.get(ASKED):
            st.session_state[ASKED] = True
            on_restore(stored)

    _COMPONENT(
        key=key,
        data={
            "seat": data,
            "asked": bool(st.session_state.get(ASKED)),
            "forget": bool(st.session_state.pop(FORGET, False)),
            # New on every run, so that the tab's code runs on every run and can ask again.
            "run": _next_run(),
        },
        on_restore_change=restore,
    )


def _next_run():
    """Counts this session's runs that drew the seat keeper."""
    st.session_state[RUNS] = st.session_state.get(RUNS, 0) + 1
    return st.session_state[RUNS]


def forget():
    """The seat was left on purpose: the next run tells the tab to forget it."""
    st.session_state[FORGET] = True
