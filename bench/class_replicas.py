"""A class on two replicas behind nginx, one replica killed halfway (issue 24, item 8: faults).

Starts a throw-away PostgreSQL (tests/pg_cluster.py, with fsync), two `python -m aelab app` replicas
on it and nginx in front with docs/nginx.conf (tests/e2e/replicas.py, as the nginx e2e test does), all
on 127.0.0.1. The teacher starts a class in headless Chromium through nginx (1920x1080) and then does
nothing. 30 students send 10 digits each over 60 s:

- `--phones` of them (default 4) are phones in Chromium through nginx (390x844, touch), half on each
  replica (nginx's cookie). A phone draws on the pad, chooses its digit and presses Send;
  acknowledged means "Sent: your N" shown by the run that the press started.
- The others write to PostgreSQL directly through the store (`ClassStore.add_drawing`, what Send calls
  after encoding), as bench/class_live.py's students do: no replica serves them, so the kill does not
  touch them; they keep the class's load on the database and on the teacher's page.

Halfway, the replica that does not hold the teacher's page is killed (SIGKILL). Its phones reconnect
through nginx to the other replica (Streamlit's own reconnect) and press Send again once their page
is connected.

Prints: digits acknowledged vs stored, and acknowledged ones missing from the database (target 0);
for the phones on the killed replica the time from the kill to their page connected again and to
their next acknowledged digit; the teacher's Send -> visible p50/p95 before and after the kill
(from the press for a phone, from the store call for a writer); the load average.

Not measured: the teacher's own replica killed (the teacher's session, and with it the class's token,
is gone with it; docs/classroom.md says what the teacher does then).

Run: AELAB_DATA_DIR=../shared/data python bench/class_replicas.py [--students 30] [--digits 10] [--seconds 60] [--phones 4]
"""

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import threading
import time

import _common  # noqa: F401 - puts the repository on sys.path
import class_live

from aelab.classroom import store as class_store
from tests import pg_cluster
from tests.e2e import replicas
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.runs import count_runs

CONNECTION_STATUS = '[data-testid="stConnectionStatus"]'  # Streamlit's "Connecting" badge.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
WATCH_JS = """() => {
  window.__seen = {};
  setInterval(() => {
    for (const c of document.querySelectorAll('.aelab-class-wall figcaption')) {
      const m = c.textContent.match(/^#(\\d+)/);
      if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = Date.now();
    }
  }, 20);
}"""
ACK_TIMEOUT_MS = 60_000
BACK_IN_CLASS = """document.querySelector('[data-testid="stMain"]').innerText.includes("You are in class")"""
REFUSED_WAIT_S = 1.5  # After "One digit a second, please" (the store's min_interval_s is 1 s).


# A phone's state in words, for a failed Send: its messages, whether a run or a stale element is pending.
SHOWN_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const alerts = [...document.querySelectorAll('[data-testid="stAlert"]')].map((a) => a.innerText.trim());
  return JSON.stringify({
    state: document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState,
    stale: main ? main.querySelectorAll('[data-stale="true"]').length : null,
    alerts, sent: main ? /Sent: your/.test(main.innerText) : null,
  });
}"""


class Refused(Exception):
    """The page answered the press with a message instead of "Sent" (the store's limits)."""


class Disconnected(Exception):
    """The phone's connection dropped while it waited for its Send's run."""


async def cookie(page):
    return next((c["value"] for c in await page.context.cookies() if c["name"] == "aelab_replica"), None)


async def idle(page):
    await page.wait_for_selector(IDLE, timeout=120_000)
    await page.wait_for_function(
        """() => !document.querySelector('[data-testid="stMain"] [data-stale="true"]')""", timeout=120_000
    )


async def after_a_run(page, action, until="true"):
    """Does `action()`, then waits for a run to end with the page idle and `until` (JS) true.

    Raises:
        Disconnected: the connection dropped first (a reconnect does not rerun: the action is lost).
    """
    runs = page.runs
    await action()
    deadline = time.monotonic() + ACK_TIMEOUT_MS / 1000
    while page.runs <= runs:  # The server's word (tests/e2e/runs.py), not the page's.
        if await page.locator(CONNECTION_STATUS).count():
            raise Disconnected
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server finished no run in {ACK_TIMEOUT_MS / 1000:g} s after the action")
        await asyncio.sleep(0.05)
    done = await page.wait_for_function(
        f"""() => {{
            if (document.querySelector({CONNECTION_STATUS!r})) return "lost";
            const idle = document.querySelector({IDLE!r})
                && !document.querySelector('[data-testid="stMain"] [data-stale="true"]');
            return idle && ({until}) ? "ran" : false;
        }}""",
        timeout=ACK_TIMEOUT_MS,
    )
    if await done.json_value() == "lost":
        raise Disconnected


async def stroke(page):
    """A "7" on the pad, as tests/e2e/test_class_browser.py draws it."""
    canvas = page.locator("canvas[aria-label^='Drawing pad']")
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    x0, y0, s = box["x"], box["y"], box["width"] / 280
    await page.mouse.move(x0 + 70 * s, y0 + 60 * s)
    await page.mouse.down()
    await page.mouse.move(x0 + 200 * s, y0 + 60 * s, steps=10)
    await page.mouse.move(x0 + 110 * s, y0 + 230 * s, steps=12)
    await page.mouse.up()


async def send(page, digit):
    """One Send on a phone; returns (pressed, acknowledged) times, or raises."""
    await stroke(page)
    choice = page.locator('[data-testid="stButtonGroup"]').get_by_role("radio", name=str(digit), exact=True)
    if await choice.get_attribute("aria-checked") != "true":
        await after_a_run(page, choice.click)
    pressed = time.time()
    # The run of the press, not one the stroke started: only that one says "Sent" (a stale one is not idle),
    # or says why not (an alert: "One digit a second, please" when a phone presses again too soon).
    sent = f"""document.querySelector('[data-testid="stMain"]').innerText.includes("Sent: your {digit}")"""
    said = """document.querySelector('[data-testid="stMain"] [data-testid="stAlert"]')"""
    await after_a_run(page, page.get_by_role("button", name="Send", exact=True).click, f"({sent}) || !!({said})")
    if not await page.evaluate(f"() => {sent}"):
        raise Refused(await page.locator('[data-testid="stMain"] [data-testid="stAlert"]').first.inner_text())
    return pressed, time.time()


async def back(page, sockets_before):
    """Waits until the phone has a new connection and no "Connecting" badge."""
    while len(page.sockets) <= sockets_before or await page.locator(CONNECTION_STATUS).count():
        await asyncio.sleep(0.05)


class Phone:
    def __init__(self, page, digit, replica):
        self.page, self.digit, self.replica = page, digit, replica
        self.acks, self.failures = [], []  # (pressed, acknowledged); (time, error)
        self.refused = []  # (time, message): presses the page answered with a limit's message.
        self.back_at = None

    async def run(self, start, gap, digits, kill, victim):
        offset = random.Random(self.digit).uniform(0, gap - 2)
        k, resend = 0, False
        while k < digits:
            at = start + k * gap + offset
            if not resend:
                wait = max(0.0, at - time.time())
                if victim and not kill["done"].is_set():
                    try:  # A victim sends again as soon as its page is back, not at its next turn.
                        await asyncio.wait_for(kill["done"].wait(), wait)
                        resend = True
                        continue
                    except TimeoutError:
                        pass
                else:
                    await asyncio.sleep(wait)
            if victim and kill["done"].is_set() and self.back_at is None:
                await back(self.page, kill["sockets"][id(self)])
                self.back_at = time.time()
                # A session that the reconnect moved runs at the phone's first touch, without the seat: that
                # run draws the entrance and the tab hands the seat back (app_pages/_seat.py), one more run.
                # A Send pressed during those runs finds no Send button there and is lost, without "Sent" or
                # a message (the student presses again). The phone waits for its class to be back instead.
                await after_a_run(self.page, lambda: stroke(self.page), BACK_IN_CLASS)
            resend = False
            try:
                self.acks.append(await send(self.page, self.digit))
                k += 1
            except Refused as e:  # As a student would: read the message, wait the second, press again.
                self.refused.append((time.time(), str(e)))
                if len(self.refused) > 10:
                    return
                await asyncio.sleep(REFUSED_WAIT_S)
                resend = True
            except Exception as e:  # noqa: BLE001 - counted; the phone tries again once connected
                shown = await self.page.evaluate(SHOWN_JS)  # What the phone showed instead: why no "Sent".
                self.failures.append((time.time(), f"{type(e).__name__}: {str(e)[:80]}; the page: {shown}"))
                if len(self.failures) > 10:
                    return
                await back(self.page, 0)
                resend = True


def writers(store, code, n, digits, gap, start, sent, offset):
    """`n` students writing through the store; returns their threads and fills `sent` with {id: time}."""
    images, labels, ae, vae = sent["digits"]
    lock = threading.Lock()

    def student(i):
        rng = random.Random(1000 + i)
        shift = rng.uniform(0, gap - 1.2)
        for k in range(digits):
            time.sleep(max(0.0, start + k * gap + shift - time.time()))
            j = (i * digits + k) % len(images)
            t = time.time()
            try:
                d = store.add_drawing(code, f"bench-{i}", images[j], int(labels[j]), None, ae[j], vae[j])
            except Exception as e:  # noqa: BLE001 - counted and printed
                with lock:
                    sent["errors"].append(f"bench-{i}: {e}")
                continue
            with lock:
                sent["writers"][d.id] = t

    threads = [threading.Thread(target=student, args=(offset + i,)) for i in range(n)]
    for th in threads:
        th.start()
    return threads


async def run(args, url, cluster, digits_sent):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        teacher = await (await browser.new_context(viewport={"width": 1920, "height": 1080})).new_page()
        teacher.set_default_timeout(120_000)
        teacher.sockets = []
        teacher.on("websocket", lambda ws: teacher.sockets.append(ws))
        await teacher.goto(f"{cluster.url}/class")
        await teacher.get_by_role("button", name="Start a class").click()
        await teacher.locator(".aelab-class-code").wait_for()
        code = (await teacher.locator(".aelab-class-code").inner_text()).strip()
        await idle(teacher)
        await teacher.evaluate(WATCH_JS)
        kept = await cookie(teacher)
        killed = next(r for r in ("r1", "r2") if r != kept)

        phones, want = [], {kept: args.phones - args.phones // 2, killed: args.phones // 2}
        for _attempt in range(4 * args.phones):
            if len(phones) == args.phones:
                break
            ctx = await browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
            page = await ctx.new_page()
            page.set_default_timeout(120_000)
            page.sockets = []
            page.on("websocket", lambda ws, page=page: page.sockets.append(ws))
            count_runs(page)
            await page.goto(f"{cluster.url}/class?join={code}")
            await page.get_by_text(f"You are in class {code}").wait_for()
            await idle(page)
            replica = await cookie(page)
            if sum(p.replica == replica for p in phones) >= want[replica]:
                await ctx.close()
                continue
            phones.append(Phone(page, len(phones) % 10, replica))
        victims = [p for p in phones if p.replica == killed]
        print(f"  phones: {len(phones)} ({len(victims)} on the replica to be killed); teacher on {kept}")

        store = class_store.ClassStore(url)
        gap = args.seconds / args.digits
        start = time.time() + 2.0
        sent = {"digits": digits_sent, "writers": {}, "errors": []}
        threads = writers(store, code, args.students - len(phones), args.digits, gap, start, sent, len(phones))
        kill = {"done": asyncio.Event(), "sockets": {}}

        async def killer():
            await asyncio.sleep(max(0.0, start + args.seconds / 2 - time.time()))
            kill["sockets"].update({id(p): len(p.page.sockets) for p in phones})
            kill["at"] = time.time()
            cluster.kill_replica(cluster.port_of(killed))
            kill["done"].set()

        loops = [p.run(start, gap, args.digits, kill, p in victims) for p in phones]
        await asyncio.gather(killer(), *loops)
        await asyncio.to_thread(lambda: [th.join() for th in threads])
        stored = store.drawings(code)
        phone_sends, unmatched, unsaid = match_phones(phones, stored)
        acked = {**sent["writers"], **phone_sends}
        deadline = time.time() + 15  # Every acknowledged digit on the teacher's wall, or 15 s.
        while time.time() < deadline and not set(acked) <= set(map(int, await teacher.evaluate("() => window.__seen"))):
            await asyncio.sleep(0.25)
        seen = {int(k): v / 1000 for k, v in (await teacher.evaluate("() => window.__seen")).items()}
        heading = await teacher.get_by_role("heading", name="digits from").first.inner_text()
        teacher_sockets = len(teacher.sockets)
        await browser.close()
    store.dispose()
    matched = phone_sends, unmatched, unsaid
    return phones, victims, sent, kill["at"], seen, stored, matched, heading, teacher_sockets


def match_phones(phones, stored):
    """Each phone's acknowledged sends matched to stored drawings (its digit, stored between press and ack)."""
    theirs = [d for d in stored if not d.session.startswith("bench-")]
    used, sends, unmatched = set(), {}, 0
    for p in phones:
        for pressed, acked in p.acks:
            d = next(
                (
                    d
                    for d in theirs
                    if d.digit == p.digit and d.id not in used and pressed - 1 <= d.created_at <= acked + 1
                ),
                None,
            )
            if d is None:
                unmatched += 1
                continue
            used.add(d.id)
            sends[d.id] = pressed
    return sends, unmatched, len(theirs) - len(used)


def quantiles(values):
    values = sorted(values)
    if not values:
        return "none"

    def q(p):
        return values[min(len(values) - 1, int(round(p * (len(values) - 1))))] * 1000

    return f"p50 {q(0.5):.0f} ms, p95 {q(0.95):.0f} ms, max {q(1):.0f} ms (n={len(values)})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--digits", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--phones", type=int, default=4, help="students in Chromium (at most 10), half per replica")
    args = parser.parse_args()
    if replicas.NGINX is None or pg_cluster.binaries() is None:
        raise SystemExit("needs nginx and PostgreSQL's server programs (apt-get install nginx postgresql)")
    if not 2 <= args.phones <= min(10, args.students):
        raise SystemExit(f"--phones must be 2 to 10 and at most --students. Received: {args.phones}")
    load0 = os.getloadavg()
    digits_sent = class_live.digits_to_send(args.students * args.digits, os.environ.get("AELAB_DATA_DIR"))
    with pg_cluster.cluster(durable=True) as url, tempfile.TemporaryDirectory() as tmp:
        cluster = replicas.Cluster(tmp, url)
        try:
            cluster.start()
            print(f"{args.students} students x {args.digits} digits over {args.seconds:.0f} s, two replicas "
                  f"behind nginx on one PostgreSQL, one replica killed (SIGKILL) at {args.seconds / 2:.0f} s")  # fmt: skip
            phones, victims, sent, kill_at, seen, stored, matched, heading, teacher_sockets = asyncio.run(
                run(args, url, cluster, digits_sent)
            )
        finally:
            cluster.stop()
    load1 = os.getloadavg()
    phone_sends, unmatched, unsaid = matched
    acked = {**sent["writers"], **phone_sends}
    stored_ids = {d.id for d in stored}
    lost = [i for i in acked if i not in stored_ids] + [None] * unmatched
    print(f"  acknowledged {len(acked) + unmatched} ({len(sent['writers'])} by store writers, "
          f"{len(phone_sends) + unmatched} by phones), stored {len(stored)}; acknowledged but lost: {len(lost)} "
          f"(target 0); stored but never acknowledged (a Send cut by the kill): {unsaid}")  # fmt: skip
    for e in sent["errors"][:3]:
        print(f"    refused: {e}")
    print(f"  teacher's page: '{heading}', {teacher_sockets} websocket(s) (1: never reconnected)")
    for p in victims:
        after = [a for _pressed, a in p.acks if a > kill_at]
        print(f"  phone {p.digit} on the killed replica: connected again {p.back_at - kill_at:.2f} s after the kill, "
              f"next digit acknowledged {after[0] - kill_at:.2f} s after it; "
              f"{len(p.acks)} acknowledged, Sends cut: {len(p.failures)}, refused: {len(p.refused)}" if after and p.back_at else
              f"  phone {p.digit}: never sent again after the kill ({p.failures[-3:]})")  # fmt: skip
    for p in phones:
        for t, e in p.failures:
            print(f"    phone {p.digit} ({p.replica}), {t - kill_at:+.1f} s from the kill: {e}")
    refusals = [(p, t, e) for p in phones for t, e in p.refused]
    if refusals:  # A phone that fell behind its turns pressed again within the store's second; it waited.
        said = sorted({e for _p, _t, e in refusals})
        print(f"  presses answered with a limit's message (the phone waited {REFUSED_WAIT_S} s and pressed again): "
              f"{len(refusals)}, {said}")  # fmt: skip
    back = [p.back_at - kill_at for p in victims if p.back_at]
    again = [
        min(a for _p, a in p.acks if a > kill_at) - kill_at for p in victims if any(a > kill_at for _p, a in p.acks)
    ]
    if back and again:
        print(f"  killed replica's phones: connected again after {statistics.median(back):.2f} s (median), "
              f"sending again after {statistics.median(again):.2f} s (median), {max(again):.2f} s (max)")  # fmt: skip
    for name, keep in (("before the kill", lambda t: t < kill_at), ("after the kill", lambda t: t >= kill_at)):
        lat = [seen[i] - t for i, t in acked.items() if keep(t) and i in seen]
        never = sum(1 for i, t in acked.items() if keep(t) and i not in seen)
        phones_lat = [seen[i] - t for i, t in phone_sends.items() if keep(t) and i in seen]
        print(f"  Send -> visible on the teacher's page {name}: {quantiles(lat)}; never seen {never}; "
              f"of which phones (from the press): {quantiles(phones_lat)}")  # fmt: skip
    presses = [a - p for ph in phones for p, a in ph.acks]
    print(f"  a phone's press -> 'Sent' shown: median {statistics.median(presses) * 1000:.0f} ms" if presses else "")
    print(f"  cores {os.cpu_count()}, load average {load0[0]:.1f} before, {load1[0]:.1f} after "
          f"(other work on the machine slows every figure)")  # fmt: skip


if __name__ == "__main__":
    main()
