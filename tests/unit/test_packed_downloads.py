"""The navigator's packed downloads unpack to the very files they stand for.

The runtime's `.wasm` ships as `.wasm.zst` (scripts/refresh_onnxruntime_web.sh) and each decoder is
published as `.onnx.planes.gz` (`aelab.inference.byte_planes`); the browser unpacks them with the
navigator's own unpack.js and the vendored fzstd, run here in Node when it is installed.
"""

import gzip
import hashlib
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from aelab.inference import byte_planes

REPO = pathlib.Path(__file__).parents[2]
STATIC = REPO / "static"
UNPACK = REPO / "app_pages" / "_navigator_assets" / "modules" / "unpack.js"
WASM = "ort-wasm-simd-threaded.wasm"
DECODER = REPO / "checkpoints" / "vae2d.decoder.onnx"


def sums(folder):
    return {name: digest for digest, name in (line.split() for line in (STATIC / folder / "SHA256SUMS").open())}


def node():
    """A Node.js: the system's, or the one Playwright (a test dependency) ships to drive browsers."""
    if shutil.which("node"):
        return shutil.which("node")
    try:
        from playwright._impl._driver import compute_driver_executable

        found = compute_driver_executable()[0]
    except ImportError:
        found = None
    if not found or not os.path.exists(found):
        pytest.skip("Node.js is not installed, nor Playwright's")
    return found


def node_unpack(unpacker, path):
    """The sha256 and length of what unpack.js's `unpacker` makes of the file at `path`, in Node."""
    executable = node()
    script = f"""
globalThis.window = {{ location: {{ origin: "http://localhost" }} }};  // unpack.js resolves URLs on the page's origin
const {{ readFileSync }} = await import("node:fs");
const {{ createHash }} = await import("node:crypto");
const unpack = await import({json.dumps(UNPACK.as_uri())});
const fzstd = {json.dumps((STATIC / "fzstd" / "fzstd.mjs").as_uri())};
const unpacker = {unpacker};
const out = new Uint8Array(await unpacker(new Response(readFileSync({json.dumps(str(path))}))));
console.log(JSON.stringify({{ sha256: createHash("sha256").update(out).digest("hex"), length: out.length }}));
"""
    out = subprocess.run([executable, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("folder", ["onnxruntime-web", "fzstd"])
def test_the_vendored_files_match_their_sha256sums(folder):
    listed = sums(folder)
    assert {"LICENSE", "VERSION"} <= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((STATIC / folder / name).read_bytes()).hexdigest() == digest, name


def test_the_shipped_wasm_zst_unpacks_to_the_checksummed_wasm_with_the_vendored_fzstd():
    listed = sums("onnxruntime-web")
    assert WASM + ".zst" in listed
    got = node_unpack("unpack.zstd(fzstd)", STATIC / "onnxruntime-web" / (WASM + ".zst"))
    assert got == {"sha256": listed[WASM], "length": (STATIC / "onnxruntime-web" / WASM).stat().st_size}
    # Worth its extra file: at most 70% of what gzip makes of the .wasm (2.49 vs 3.66 MB).
    assert (STATIC / "onnxruntime-web" / (WASM + ".zst")).stat().st_size < 0.7 * 3_659_955


@pytest.mark.parametrize("data", [b"", b"a", b"ab", b"abc", bytes(range(256)) * 3 + b"x"])
def test_byte_planes_round_trip_any_length(data):
    assert byte_planes.unpack(byte_planes.pack(data)) == data
    assert byte_planes.pack(data) == byte_planes.pack(data)  # the same file each time it is published


def test_a_decoder_packed_in_python_unpacks_in_the_browser_code_and_is_smaller(tmp_path):
    data = DECODER.read_bytes()
    packed = byte_planes.pack(data)
    assert len(packed) < 0.95 * len(gzip.compress(data, 9))  # 1.50 vs 1.61 MB for the VAE's
    for name, blob in (("even.planes.gz", packed), ("odd.planes.gz", byte_planes.pack(data + b"!"))):
        (tmp_path / name).write_bytes(blob)
    assert node_unpack("unpack.planes", tmp_path / "even.planes.gz") == {
        "sha256": hashlib.sha256(data).hexdigest(),
        "length": len(data),
    }
    assert node_unpack("unpack.planes", tmp_path / "odd.planes.gz")["sha256"] == hashlib.sha256(data + b"!").hexdigest()
