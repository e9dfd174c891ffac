#!/bin/bash
# Refreshes the vendored onnxruntime-web (static/onnxruntime-web/) from the npm registry.
#
# The latent navigator decodes in the browser with onnxruntime-web's plain WebAssembly
# build: one ES module (the runtime and its Emscripten glue in one file) and one .wasm
# (single-threaded is enough for a 2-D decoder; threads would need cross-origin isolation).
# Users never run npm: the files are committed and served by the app itself
# (`server.enableStaticServing`, Streamlit's ./static folder at /app/static/).
#
#   bash scripts/refresh_onnxruntime_web.sh           # the pinned version below
#   bash scripts/refresh_onnxruntime_web.sh --check   # only verify the files against SHA256SUMS
#
# To move to a new version: change VERSION and INTEGRITY (`npm view onnxruntime-web@X dist.integrity`),
# run this script, then the browser tests (tests/e2e/test_navigator_browser.py).
set -euo pipefail

VERSION=1.30.0
# The registry's own checksum of the tarball; npm pack verifies it, and so do we below.
INTEGRITY="sha512-q0y+JrrtukXSzsBWEMccVfqX25LRmosXHF+CaRJmg8pZClzcV7svNc4rKY3jL02Vb7QmRMDs1SigqR4CXAfKYQ=="
FILES=(ort.wasm.bundle.min.mjs ort-wasm-simd-threaded.wasm)

cd "$(dirname "$0")/.."
DEST=static/onnxruntime-web

if [[ "${1:-}" == "--check" ]]; then
  (cd "$DEST" && sha256sum --check --strict SHA256SUMS)
  exit 0
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "onnxruntime-web@$VERSION" > /dev/null)
TARBALL="$WORK/onnxruntime-web-$VERSION.tgz"
GOT="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 -w0)"
if [[ "$GOT" != "$INTEGRITY" ]]; then
  echo "onnxruntime-web $VERSION: tarball integrity $GOT does not match the pinned $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$TARBALL" -C "$WORK"

mkdir -p "$DEST"
for f in "${FILES[@]}"; do
  # Copy to a temporary name and rename, so a half-copied file is never served.
  cp "$WORK/package/dist/$f" "$DEST/.$f.tmp" && mv "$DEST/.$f.tmp" "$DEST/$f"
done
# The package ships no licence file (its package.json says MIT, its README links to the
# repository's LICENSE); this is that file, microsoft/onnxruntime/LICENSE.
cat > "$DEST/LICENSE" << 'EOF'
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
EOF
echo "onnxruntime-web $VERSION from the npm registry ($INTEGRITY)" > "$DEST/VERSION"
(cd "$DEST" && sha256sum "${FILES[@]}" LICENSE VERSION > SHA256SUMS)
cat "$DEST/SHA256SUMS"
