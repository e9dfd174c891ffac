"""How many runs of the app's script the server finished for a page, from the server's own messages.

A page's `data-test-script-state` is no count of runs: on a loaded machine a whole run's messages can
arrive in one batch, React renders once, and the attribute never visibly leaves "notRunning". Streamlit's
server says when each run ends (`ForwardMsg.script_finished`) on the page's websocket, which Playwright
hands to Python as the page's frames arrive (during any Playwright call, `page.wait_for_timeout` included).
"""

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


def count_runs(page):
    """Keeps two counts on `page`, from now on (call it before the page opens):

    - `page.runs`: the full runs of the script that ended normally (not a fragment's, not one cut short);
    - `page.ended`: every run that ended, a fragment's and one cut short by a newer one included.
    """
    page.runs = page.ended = 0

    def on_frame(payload):
        if isinstance(payload, bytes):
            msg = ForwardMsg.FromString(payload)
            if msg.WhichOneof("type") == "script_finished":
                page.ended += 1
                page.runs += msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
