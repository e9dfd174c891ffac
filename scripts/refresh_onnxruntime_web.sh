#!/bin/bash
# Refreshes the latent navigator's vendored browser runtime from the npm registry: onnxruntime-web
# (static/onnxruntime-web/) and fzstd (static/fzstd/), the Zstandard decoder that unpacks its .wasm.
#
# The latent navigator decodes in the browser with onnxruntime-web's plain WebAssembly
# build: one ES module (the runtime and its Emscripten glue in one file) and one .wasm
# (single-threaded is enough for a 2-D decoder; threads would need cross-origin isolation).
# The 14 MB .wasm also ships as `.wasm.zst` (zstd -19, made here): 2.5 MB over the wire instead of
# Streamlit's gzip (3.7 MB), unpacked in the page by fzstd (pure JavaScript, 24 kB); the plain .wasm
# stays for the browsers where that fails (app_pages/_navigator_assets/modules/files.js).
# Users never run npm: the files are committed and served by the app itself
# (`server.enableStaticServing`, Streamlit's ./static folder at /app/static/).
#
#   bash scripts/refresh_onnxruntime_web.sh           # the pinned versions below
#   bash scripts/refresh_onnxruntime_web.sh --check   # only verify the files against SHA256SUMS
#
# To move to a new version: change its VERSION and INTEGRITY (`npm view PACKAGE@X dist.integrity`),
# run this script (it needs npm and zstd), then tests/unit/test_vendored_runtime.py and the browser
# tests (tests/e2e/test_navigator_browser.py).
set -euo pipefail

ORT_VERSION=1.30.0
# The registry's own checksums of the tarballs; npm pack verifies them, and so do we below.
ORT_INTEGRITY="sha512-q0y+JrrtukXSzsBWEMccVfqX25LRmosXHF+CaRJmg8pZClzcV7svNc4rKY3jL02Vb7QmRMDs1SigqR4CXAfKYQ=="
FZSTD_VERSION=0.1.1
FZSTD_INTEGRITY="sha512-dkuVSOKKwh3eas5VkJy1AW1vFpet8TA/fGmVA5krThl8YcOVE/8ZIoEA1+U1vEn5ckxxhLirSdY837azmbaNHA=="
WASM=ort-wasm-simd-threaded.wasm

cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--check" ]]; then
  (cd static/onnxruntime-web && sha256sum --check --strict SHA256SUMS)
  (cd static/fzstd && sha256sum --check --strict SHA256SUMS)
  exit 0
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# unpack NAME VERSION INTEGRITY: the package's tarball from the registry, checked, into $WORK/NAME/package/.
unpack() {
  local name=$1 version=$2 integrity=$3
  mkdir -p "$WORK/$name"
  (cd "$WORK/$name" && npm pack --silent "$name@$version" > /dev/null)
  local tarball="$WORK/$name/$name-$version.tgz"
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ "$got" != "$integrity" ]]; then
    echo "$name $version: tarball integrity $got does not match the pinned $integrity" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$WORK/$name"
}

# put SRC DEST: copy to a temporary name and rename, so a half-copied file is never served.
put() {
  cp "$1" "$(dirname "$2")/.$(basename "$2").tmp" && mv "$(dirname "$2")/.$(basename "$2").tmp" "$2"
}

# onnxruntime-web
unpack onnxruntime-web "$ORT_VERSION" "$ORT_INTEGRITY"
DEST=static/onnxruntime-web
mkdir -p "$DEST"
for f in ort.wasm.bundle.min.mjs "$WASM"; do
  put "$WORK/onnxruntime-web/package/dist/$f" "$DEST/$f"
done
# Level 19, not --ultra: a window of at most 8 MB, which every Zstandard decoder accepts.
zstd -q -19 --force "$DEST/$WASM" -o "$WORK/$WASM.zst"
put "$WORK/$WASM.zst" "$DEST/$WASM.zst"
# The package ships no licence file (its package.json says MIT, its README links to the
# repository's LICENSE); this is that file, microsoft/onnxruntime/LICENSE.
cat > "$DEST/LICENSE" << 'LICENSE'
MIT License

Copyright (c) 2018 - present Microsoft Corporation

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE
echo "onnxruntime-web $ORT_VERSION from the npm registry ($ORT_INTEGRITY)" > "$DEST/VERSION"
(cd "$DEST" && sha256sum ort.wasm.bundle.min.mjs "$WASM" "$WASM.zst" LICENSE VERSION > SHA256SUMS)
cat "$DEST/SHA256SUMS"

# fzstd: its ES module build (esm/index.mjs), and the licence file the package ships.
unpack fzstd "$FZSTD_VERSION" "$FZSTD_INTEGRITY"
DEST=static/fzstd
mkdir -p "$DEST"
put "$WORK/fzstd/package/esm/index.mjs" "$DEST/fzstd.mjs"
put "$WORK/fzstd/package/LICENSE" "$DEST/LICENSE"
echo "fzstd $FZSTD_VERSION from the npm registry ($FZSTD_INTEGRITY)" > "$DEST/VERSION"
(cd "$DEST" && sha256sum fzstd.mjs LICENSE VERSION > SHA256SUMS)
cat "$DEST/SHA256SUMS"
