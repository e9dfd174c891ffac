"""The latent navigator: digits decoded in the browser under the pointer (not a page).

A `st.components.v2` component (as the drawing pad in `_canvas.py`): the encoded
test digits on a canvas, and beside them the digit the decoder draws at the point
under the pointer, decoded in the page by onnxruntime-web from the model's ONNX
export (`aelab.inference.onnx_export`). A pointer move costs the server nothing;
a click, tap or Enter pins the point, which is one rerun.

Streamlit runs the component's entry (`_navigator_assets/entry.js`) itself; the
rest is served by the app (`server.enableStaticServing`, Streamlit's `static/`
folder at `/app/static/`): the vendored runtime in `static/onnxruntime-web/` (its
`.wasm` also as `.wasm.zst`, unpacked in the page by `static/fzstd/`), and in
`static/navigator/` what is published here, named by its sha256 so a browser
may cache it for good and never sees a stale one: the navigator's ES modules
(`_navigator_assets/modules/`, one folder), the decoders (each also packed as
`.onnx.planes.gz`, `aelab.inference.byte_planes`) and the encoded points. The
browser fetches the packed files first and the plain ones if that fails.
"""

import base64
import hashlib
import math
import os
import pathlib
import shutil
import tempfile
import threading

import numpy as np
import streamlit as st

from aelab import checkpoints, i18n, links
from aelab.data import images
from aelab.figures import describe, plots
from aelab.i18n import N_, _
from aelab.inference import byte_planes, latent, onnx_export
from aelab.models import registry
from app_pages import _common, _static

_ASSETS = pathlib.Path(__file__).with_name("_navigator_assets")
STATIC = _static.STATIC  # Streamlit serves it at /app/static/.
PUBLISHED = STATIC / "navigator"
RUNTIME = "onnxruntime-web/ort.wasm.bundle.min.mjs"  # The runtime with its glue, one ES module.
WASM = "onnxruntime-web/ort-wasm-simd-threaded.wasm"
WASM_ZST = WASM + ".zst"  # The same bytes, zstd -19: 2.5 MB over the wire instead of gzip's 3.7 MB.
FZSTD = "fzstd/fzstd.mjs"  # The Zstandard decoder that unpacks it in the page (pure JavaScript).
VENDORED = ("onnxruntime-web", "fzstd")
# The vendored files' sha256 (scripts/refresh_onnxruntime_web.sh writes them), by path under static/:
# put in the URLs, so a browser that keeps them by URL gets the new ones after a refresh.
_SUMS = {
    f"{folder}/{name}": digest
    for folder in VENDORED
    for digest, name in (line.split() for line in (STATIC / folder / "SHA256SUMS").read_text().splitlines())
}
KEEP_PUBLISHED = 96  # Kept in static/navigator/: 32 models' decoders (plain, packed) and points (~110 MB).
FALLBACK_TEXT = N_(  # Shown as _(FALLBACK_TEXT).
    "This browser cannot run the decoder, so nothing is decoded under the pointer: "
    "click the plane to pin a point, or use the Pick sliders"
)

# (slot, model key) -> file name under static/, for this server process. A trained model's
# export is cached by its key, so it happens once, when the model is first shown here.
_PUBLISHED_FILES = {}
_LOCK = threading.Lock()

_COMPONENT = st.components.v2.component(
    "aelab.latent_navigator",
    html=(_ASSETS / "navigator.html").read_text(),
    css=(_ASSETS / "navigator.css").read_text(),
    js=(_ASSETS / "entry.js").read_text(),
)
# The ES modules entry.js imports (navigator.js and what it imports), published together as one
# folder named by the sha256 of their names and contents: an edit to any gives a new address.
_MODULES = {p.name: p.read_bytes() for p in sorted((_ASSETS / "modules").glob("*.js"))}
_MODULES_SHA256 = hashlib.sha256(
    b"".join(hashlib.sha256(name.encode()).digest() + hashlib.sha256(body).digest() for name, body in _MODULES.items())
).hexdigest()


_url = _static.url  # The address of a file under STATIC.


def _versioned(relative):
    return f"{_url(relative)}?v={_SUMS[relative][:16]}"


def _publish(write, digest, suffix):
    """Puts a file into static/navigator/ under its sha256, written in full before it is served."""
    path = PUBLISHED / f"{digest}{suffix}"
    if path.exists():
        os.utime(path)  # Recently used: kept by _prune.
    else:
        _prune()
        PUBLISHED.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=PUBLISHED)
        os.close(fd)
        try:
            write(tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
    return f"navigator/{path.name}"


def _prune(keep=KEEP_PUBLISHED):
    """Removes the least recently used published files beyond `keep` (models trained and gone, old modules).

    The modules this server serves stay whatever their age: its pages name them.
    """
    current = f"{_MODULES_SHA256}.modules"
    files = [p for p in PUBLISHED.glob("[0-9a-f]*.*") if p.name != current]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def _modules_folder():
    """static/navigator/<sha256>.modules/: the navigator's ES modules, published once per server."""

    def make():
        path = PUBLISHED / f"{_MODULES_SHA256}.modules"
        if path.is_dir():
            os.utime(path)  # Recently used: kept by _prune.
            return f"navigator/{path.name}"
        _prune()
        PUBLISHED.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".", dir=PUBLISHED)
        try:
            for name, body in _MODULES.items():
                (pathlib.Path(tmp) / name).write_bytes(body)
                os.chmod(pathlib.Path(tmp) / name, 0o644)
            os.chmod(tmp, 0o755)
            try:
                os.replace(tmp, path)  # Whole, or not at all.
            except OSError:
                if not path.is_dir():  # Not another server process that published it first.
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return f"navigator/{path.name}"

    return _cached("modules", _MODULES_SHA256, make)


def _shipped_onnx(info):
    """The `.onnx` saved beside a checkpoint and its sidecar's sha256, or (None, None)."""
    entry = info.meta.get("decoder_onnx") or {}
    if info.source not in ("shipped", "saved") or not entry.get("sha256"):
        return None, None
    from app_pages import _common  # Not at the top: _common imports nothing of this module, keep it so.

    directory = checkpoints.resolve_dir() if info.source == "shipped" else _common.user_dir()
    path = os.path.join(directory, entry.get("file", ""))
    return (path, entry["sha256"]) if os.path.isfile(path) else (None, None)


def _cached(slot, key, make):
    """The published file for (slot, model key), made once per server while it stays on disk."""
    with _LOCK:
        name = _PUBLISHED_FILES.get((slot, key))
        if name is None or not (STATIC / name).exists():
            name = _PUBLISHED_FILES[(slot, key)] = make()
        return name


def _decoder_file(model, info):
    def make():
        # The shipped .onnx when it is there and intact; otherwise (a model trained
        # in this session, or saved before .onnx files existed) export it now.
        shipped, sha = _shipped_onnx(info)
        if shipped and checkpoints.sha256_of(shipped) == sha:
            return _publish(lambda tmp: shutil.copyfile(shipped, tmp), sha, ".onnx")
        PUBLISHED.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".onnx", dir=PUBLISHED)
        os.close(fd)
        try:
            with st.spinner(_("Preparing the decoder for your browser…")):
                digest = onnx_export.export_decoder(model, tmp)
            return _publish(lambda dest: os.replace(tmp, dest), digest, ".onnx")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    return _cached("decoder", info.key, make)


def _planes_file(model_file):
    """The published decoder packed for the wire (`byte_planes.pack`): 1.73 -> 1.50 MB, made once, served as is."""
    plain = STATIC / model_file
    digest = plain.name.split(".")[0]

    def make():
        def write(tmp):
            pathlib.Path(tmp).write_bytes(byte_planes.pack(plain.read_bytes()))

        return _publish(write, digest, ".onnx" + byte_planes.SUFFIX)

    return _cached("planes", digest, make)


def _points_file(z, y, key):
    def make():
        # float32 (z0, z1) pairs, then one uint8 label per point, as modules/files.js reads them.
        blob = np.ascontiguousarray(z, "<f4").tobytes() + np.asarray(y, "uint8").tobytes()

        def write(tmp):
            with open(tmp, "wb") as f:
                f.write(blob)

        return _publish(write, hashlib.sha256(blob).hexdigest(), ".points")

    return _cached("points", key, make)


def navigator(key, model, info, z, y, bounds, point, step, on_pin, report_narrow=None):
    """Shows a latent navigator for one model.

    Args:
        key: widget key.
        model: the AE or VAE (its decoder is exported for the browser once per `info.key`).
        info: its `_common.ModelInfo`.
        z: the encoded test digits, (N, 2).
        y: their labels, (N,).
        bounds: `((z0_low, z0_high), (z1_low, z1_high))` of the plane.
        point: the pinned `(z0, z1)`, drawn as a cross.
        step: pins are rounded to multiples of this.
        on_pin: called with `(z0, z1)` when the user pins a point (in the
            callback phase, before the page runs again).
        report_narrow: optional `(px, callback)`: `callback()` runs once (one
            rerun) if the browser window is narrower than `px` CSS pixels.

    Returns:
        True if the navigator is shown, False (after one line saying why) if it cannot be.
    """
    if not st.get_option("server.enableStaticServing"):
        st.caption(
            _(
                "The in-browser decoder is off: this server does not serve the app's static/ folder "
                "(start it from the repository folder, whose .streamlit/config.toml turns that on). "
                "Use the Pick sliders."
            )
        )
        return False
    # Installed with pip, static/navigator/ is the one folder of the package aelab writes to: a cache of
    # content-addressed files that Streamlit can only serve from beside app.py. Read-only: one line below.
    try:
        modules = _modules_folder()
        points_file = _points_file(z, y, info.key)
    except OSError as e:  # A read-only install: nothing can be published.
        st.caption(
            _("{fallback} (the app cannot write to {folder}: {error}).").format(
                fallback=_(FALLBACK_TEXT), folder=PUBLISHED, error=e
            )
        )
        return False
    problem, model_file = None, ""
    try:
        model_file = _decoder_file(model, info)
    except (OSError, ValueError) as e:  # An export that failed: the plane still pins, the server decodes.
        problem = _("the decoder could not be exported: {error}").format(error=e)
    planes_file = None
    if model_file:
        try:
            planes_file = _planes_file(model_file)
        except OSError:  # The browser fetches the plain file then.
            planes_file = None

    def pinned():
        state = st.session_state.get(key)
        pin = state.get("pin") if hasattr(state, "get") else None
        # What a browser sends is checked like any input: two finite numbers, put on the
        # plane and on its steps.
        if isinstance(pin, list) and len(pin) == 2 and all(_finite(v) for v in pin):
            on_pin(tuple(links.snap(float(v), lo, hi, step) for v, (lo, hi) in zip(pin, bounds, strict=True)))

    short = _(registry.get(info.kind).short)
    # The server's digit at the resting point (the pin, or the plane's centre, as navigator.js rests): shown
    # at once, while the runtime and the model load, instead of an empty box (one traced call, ~1 ms).
    resting = point if point is not None else [(lo + hi) / 2 for lo, hi in bounds]
    server_digit = images.to_png(latent.decode(model, np.asarray([resting], "float32"))[0])
    view = tuple(tuple(float(v) for v in b) for b in bounds)  # Plain floats: a cache key, and the browser's.
    spots, plane_text = _common.plane_words(info.key, z, y, view, i18n.language())
    pinned_text = describe.decoded(point, z, y) if point is not None else None
    data = {
        "navigator_url": _url(f"{modules}/navigator.js"),
        "label": _("{model} latent plane").format(model=short),
        "caption": _("decoded in your browser ({model})").format(model=short),
        "model_url": _url(model_file) if model_file else None,
        "runtime_url": None if problem else _versioned(RUNTIME),
        "wasm_url": _versioned(WASM),
        # The packed forms, fetched first (modules/unpack.js); the plain files above if that fails.
        "wasm_zst_url": _versioned(WASM_ZST),
        "fzstd_url": _versioned(FZSTD),
        "model_planes_url": _url(planes_file) if planes_file else None,
        "runtime_problem": problem,
        "fallback_text": _(FALLBACK_TEXT),
        "text": {  # What the browser writes itself, as templates: {name} is filled in there.
            "plane": _("{label}: move the pointer or use the arrow keys; click, tap or Enter pins the point"),
            "pinned": _("pinned at ({z0}, {z1})"),
            "nothing_pinned": _("nothing pinned yet"),
            "digit": _("the decoded digit"),
            "legend": _("Digit colours"),
            "loading": _("Loading the model…"),  # Over the digit's box until the first digit is drawn.
            "points_failed": _("The test digits could not be loaded ({error})."),
            "decoding_failed": _("decoding failed ({error})"),
        },
        "server_digit": "data:image/png;base64," + base64.b64encode(server_digit).decode("ascii"),
        "points_url": _url(points_file),
        "n_points": int(len(z)),
        "bounds": [list(b) for b in view],
        "point": [float(point[0]), float(point[1])] if point is not None else None,
        "step": float(step),  # Only to show a pin on its step at once; the server snaps it (links.snap).
        "colors": list(plots.DIGIT_COLORS),
        "edges": list(plots.DIGIT_EDGES),
        # Where each digit's name is written, and the median its leader points at when it sits beside a crowd.
        "centres": [[float(v) for v in spots[d][0]] if d in spots else None for d in range(10)],
        "leaders": [
            [float(v) for v in spots[d][1]] if d in spots and spots[d][1] is not None else None for d in range(10)
        ],
        # The plane in words, read politely by a screen reader when it changes (a pin, a model, a range).
        "description": _("{label}: {clusters} {pinned}").format(
            label=_("{model} latent plane").format(model=short),
            clusters=plane_text,
            pinned=_("Pinned point: {decoded}.").format(decoded=pinned_text)
            if pinned_text
            else _("Nothing pinned yet."),
        ),
        "pinned_text": pinned_text,
        "cross_color": plots.POINT_STYLE["color"],
        "report_narrow": report_narrow[0] if report_narrow else None,
    }
    callbacks = {"on_pin_change": pinned}
    if report_narrow:
        callbacks["on_narrow_change"] = report_narrow[1]
    _COMPONENT(key=key, data=data, **callbacks)
    return True


def _finite(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
