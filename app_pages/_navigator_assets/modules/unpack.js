// The packed forms of the navigator's big files, unpacked in the page (files.js fetches them first,
// and the plain file when that fails). Each unpacker takes the fetch Response and returns the
// original bytes, an ArrayBuffer.
//
// - The runtime's .wasm as Zstandard (`.wasm.zst`, made by scripts/refresh_onnxruntime_web.sh):
//   2.5 MB instead of the 3.7 MB Streamlit's gzip makes of it. Browsers decompress no zstd for a
//   script (DecompressionStream knows gzip and deflate), so fzstd does, a small pure-JavaScript
//   decoder vendored in static/fzstd/, imported only when a .wasm.zst arrives.
// - A decoder as two byte planes, gzipped (`.onnx.planes.gz`, aelab/inference/byte_planes.py):
//   the browser's own gunzip, then the planes interleaved again.

const fzstdModules = new Map(); // fzstd URL -> Promise of the module.

// An unpacker for `.zst` files, with the fzstd module at `fzstdUrl`.
export function zstd(fzstdUrl) {
  return async (response) => {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!fzstdModules.has(fzstdUrl)) {
      // The entry runs from a blob: URL, so the module's address is made absolute.
      fzstdModules.set(fzstdUrl, import(new URL(fzstdUrl, window.location.origin).href));
    }
    const out = (await fzstdModules.get(fzstdUrl)).decompress(bytes);
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer;
  };
}

// Unpacks a `.planes.gz` file: every even byte, then every odd byte, gzipped.
export async function planes(response) {
  const split = new Uint8Array(
    await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
  );
  const n = split.length;
  const evens = (n + 1) >> 1; // An odd length has one more even byte than odd ones.
  const out = new Uint8Array(n);
  for (let i = 0; i < evens; i++) out[2 * i] = split[i];
  for (let i = 0; i < n - evens; i++) out[2 * i + 1] = split[evens + i];
  return out.buffer;
}
