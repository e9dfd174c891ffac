// The decoder in the page: onnxruntime-web's plain WebAssembly build (vendored in
// static/onnxruntime-web/ and served by the app) running the model's ONNX export.
// The runtime and each model load once per page; a Decoder keeps only the newest point
// waiting, so a fast pointer never queues up digits it has already left.

import { fetchStored } from "./files.js";

const runtimes = new Map(); // runtime URL -> Promise of the ort module, configured.
const sessions = new Map(); // model URL -> Promise of an InferenceSession.

// `wasm` and `model` are files as files.js fetches them: `{url, packed}`, the plain file's URL
// and, or null, its packed form `{url, unpack}` (unpack.js).
function loadRuntime(url, wasm) {
  if (!runtimes.has(url)) {
    runtimes.set(
      url,
      (async () => {
        if (typeof WebAssembly !== "object") throw new Error("this browser has no WebAssembly");
        // The entry runs from a blob: URL, so the runtime's address is made absolute.
        const ort = await import(new URL(url, window.location.origin).href);
        // The .wasm's bytes themselves (from the store, or unpacked from the .wasm.zst); the
        // bundle carries its own Emscripten glue, so nothing else is fetched.
        ort.env.wasm.wasmBinary = await fetchStored(wasm.url, wasm.packed);
        // One thread: threads need a cross-origin-isolated page, and one 2-D point
        // decodes in about a millisecond anyway.
        ort.env.wasm.numThreads = 1;
        ort.env.wasm.proxy = false;
        return ort;
      })(),
    );
  }
  return runtimes.get(url);
}

function loadSession(ort, model) {
  if (!sessions.has(model.url)) {
    sessions.set(
      model.url,
      fetchStored(model.url, model.packed).then((bytes) =>
        ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ["wasm"] }),
      ),
    );
  }
  return sessions.get(model.url);
}

// A model ready to run, `{ort, session}`; rejects with the reason it cannot be.
export async function loadModel(runtimeUrl, wasm, model) {
  const ort = await loadRuntime(runtimeUrl, wasm);
  return { ort, session: await loadSession(ort, model) };
}

export class Decoder {
  // draw(values, t0): a decoded digit (784 values) for the point asked at time t0.
  // fail(error): a decoding went wrong; the decoder stops.
  constructor(draw, fail) {
    this.draw = draw;
    this.fail = fail;
    this.model = null;
    this.pending = null; // The newest point waiting: older ones are dropped.
    this.busy = false;
  }

  get ready() {
    return this.model !== null;
  }

  use(model) {
    this.model = model;
  }

  stop() {
    this.model = null;
  }

  // Decodes `z` as soon as the decoder is free; nothing without a model.
  decode(z, t0) {
    if (!this.model) return;
    this.pending = { z, t0 };
    this.pump();
  }

  async pump() {
    if (this.busy || !this.pending || !this.model) return;
    const { z, t0 } = this.pending;
    const { ort, session } = this.model;
    this.pending = null;
    this.busy = true;
    try {
      const input = new ort.Tensor("float32", Float32Array.from(z), [1, 2]);
      const out = await session.run({ [session.inputNames[0]]: input });
      this.draw(out[session.outputNames[0]].data, t0);
    } catch (e) {
      this.stop();
      this.fail(e);
    } finally {
      this.busy = false;
      if (this.pending) this.pump();
    }
  }
}
