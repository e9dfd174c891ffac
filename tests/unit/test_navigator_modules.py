"""The latent navigator's browser modules (app_pages/_navigator_assets/), read as files and run in Node.

What they do in a page is tested in tests/e2e/test_navigator_browser.py; here: that the
published folder is self-contained, that the benchmark's timers stay out of what a
student loads, and the pure parts (pixel <-> latent, the newest-point decoder) in Node
when it is installed.
"""

import json
import pathlib
import re
import shutil
import subprocess

import pytest

ASSETS = pathlib.Path(__file__).parents[2] / "app_pages" / "_navigator_assets"
MODULES = ASSETS / "modules"
STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']""", re.M)
DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*["']([^"']+)["']\s*\)""")


def imports(path):
    text = path.read_text()
    return STATIC_IMPORT.findall(text), DYNAMIC_IMPORT.findall(text)


def test_every_module_imports_only_its_neighbours():
    names = {p.name for p in MODULES.glob("*.js")}
    assert "navigator.js" in names  # what entry.js imports (data.navigator_url)
    for path in MODULES.glob("*.js"):
        static, dynamic = imports(path)
        for spec in static + dynamic:
            assert spec.startswith("./") and spec[2:] in names, f"{path.name} imports {spec!r}"


def test_the_entry_has_no_static_import():
    # Streamlit runs it from a blob: URL, where a path has no base to resolve against.
    static, dynamic = imports(ASSETS / "entry.js")
    assert static == [] and dynamic == []


def test_the_timers_are_imported_only_on_request():
    importers = {p.name: imports(p) for p in MODULES.glob("*.js")}
    assert all("./timers.js" not in static for static, _ in importers.values())
    assert [name for name, (_, dynamic) in importers.items() if "./timers.js" in dynamic] == ["navigator.js"]
    text = (MODULES / "navigator.js").read_text()
    assert 'if (window.aelabNavigatorTimers) nav.timers = (await import("./timers.js"))' in text


def test_each_module_is_small():
    for path in [ASSETS / "entry.js", *MODULES.glob("*.js")]:
        assert len(path.read_text().splitlines()) <= 200, path.name


def node(script):
    """Runs an ES module script in Node, with the modules folder as `M`; returns what it prints as JSON."""
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    prelude = f"const M = {json.dumps(MODULES.as_uri())};\n"
    out = subprocess.run(
        ["node", "--input-type=module", "-e", prelude + script], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_every_module_parses():
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    for path in [ASSETS / "entry.js", *MODULES.glob("*.js")]:
        check = subprocess.run(["node", "--input-type=module", "--check"], input=path.read_text(), text=True)
        assert check.returncode == 0, path.name


def test_a_pixel_maps_to_its_latent_point_and_back():
    result = node(
        """
const { Layout, MARGIN } = await import(`${M}/layout.js`);
const layout = new Layout(null);
layout.size = { width: 400, height: 400 };
layout.bounds = [[-4, 4], [-2, 6]];
const r = layout.area();
const corner = layout.toLatent(r.x, r.y);  // top left: low z0, high z1
const back = layout.toPixel(layout.toLatent(123, 234));
const outside = layout.toLatent(-50, 9999);  // kept on the plane
console.log(JSON.stringify({ corner, back, outside, centre: layout.centre(), margin: MARGIN,
                             clamped: layout.clamp([5, -3]) }));
"""
    )
    assert result["corner"] == [-4, 6] and result["outside"] == [-4, -2]
    assert result["back"] == pytest.approx([123, 234])
    assert result["centre"] == [0, 2] and result["clamped"] == [4, -2]
    assert result["margin"] == {"left": 46, "right": 10, "top": 10, "bottom": 38}  # as the browser test assumes


def test_the_decoder_decodes_only_the_newest_point_waiting():
    result = node(
        """
const { Decoder } = await import(`${M}/runtime.js`);
const asked = [], drawn = [];
let release;
const session = {
  inputNames: ["z"], outputNames: ["x"],
  run: async (feeds) => { asked.push(Array.from(feeds.z.data)); await new Promise((r) => (release = r));
                          return { x: { data: feeds.z.data } }; },
};
const ort = { Tensor: class { constructor(type, data, dims) { this.data = data; } } };
const decoder = new Decoder((values, t0) => drawn.push([Array.from(values), t0]), (e) => drawn.push(String(e)));
decoder.decode([9, 9], 0);  // no model yet: nothing
decoder.use({ ort, session });
decoder.decode([1, 1], 1);  // runs
decoder.decode([2, 2], 2);  // waits, then is dropped
decoder.decode([3, 3], 3);  // the newest: runs next
for (let i = 0; i < 2; i++) { await new Promise((r) => setTimeout(r, 10)); release(); }
await new Promise((r) => setTimeout(r, 10));
console.log(JSON.stringify({ asked, drawn }));
"""
    )
    assert result["asked"] == [[1, 1], [3, 3]]
    assert result["drawn"] == [[[1, 1], 1], [[3, 3], 3]]
