// The big files the navigator fetches (the runtime's .wasm, a model, a set of encoded
// points), kept in the browser's own store.
//
// Streamlit's static files come without a Cache-Control header and are not revalidated
// with a 304, so the HTTP cache would fetch the 14 MB runtime and 3 MB model again; their
// URLs name their content (a sha256 in the name or in ?v=), so a stored copy never goes
// stale. IndexedDB, not the Cache API: a classroom server on plain http://192.168... is
// not a secure context.

const KEPT = 8; // Files kept in the store (the runtime, and a few models and point sets).
const pointSets = new Map(); // points URL -> Promise of {z: Float32Array, y: Uint8Array}.

function store() {
  if (!store.db) {
    store.db = new Promise((resolve) => {
      try {
        const req = indexedDB.open("aelab-navigator", 1);
        req.onupgradeneeded = () => req.result.createObjectStore("files");
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => resolve(null);
      } catch (e) {
        resolve(null); // No IndexedDB (a private window in some browsers): plain fetches.
      }
    });
  }
  return store.db;
}

function request(db, mode, use) {
  return new Promise((resolve) => {
    try {
      const req = use(db.transaction("files", mode).objectStore("files"));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(undefined);
    } catch (e) {
      resolve(undefined);
    }
  });
}

// The bytes at `url`, from the store when they are there; fetched and stored otherwise,
// dropping the least recently stored files beyond KEPT. With `packed` ({url, unpack}), the packed
// form is fetched instead and unpacked (unpack.js); if anything in that fails, the plain file is.
// Either way the original bytes are stored under `url`, so a revisit or another page fetches nothing.
export async function fetchStored(url, packed = null) {
  const db = await store();
  const kept = db && (await request(db, "readonly", (s) => s.get(url)));
  if (kept) return kept.bytes;
  const bytes = (packed && (await fetchPacked(packed))) || (await fetchPlain(url));
  if (db) {
    await request(db, "readwrite", (s) => s.put({ bytes, time: Date.now() }, url));
    const keys = await request(db, "readonly", (s) => s.getAllKeys());
    if (keys && keys.length > KEPT) {
      const times = await Promise.all(keys.map((k) => request(db, "readonly", (s) => s.get(k))));
      const oldest = keys.map((k, i) => [times[i] ? times[i].time : 0, k]).sort((a, b) => a[0] - b[0]);
      for (const [, k] of oldest.slice(0, keys.length - KEPT)) await request(db, "readwrite", (s) => s.delete(k));
    }
  }
  return bytes;
}

async function fetchPlain(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url.split("/").pop()}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

// The unpacked bytes, or null (said in the console) when the packed file cannot be had or unpacked.
async function fetchPacked({ url, unpack }) {
  try {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return await unpack(r);
  } catch (e) {
    console.warn(`${url.split("/").pop()}: ${e.message || e}; fetching the plain file instead`);
    return null;
  }
}

// The `n` encoded test digits at `url`, loaded once per page.
export function loadPoints(url, n) {
  if (!pointSets.has(url)) {
    pointSets.set(
      url,
      fetchStored(url).then((buf) => {
        // float32 (z0, z1) pairs, then one uint8 label per point (see _navigator.py).
        return { z: new Float32Array(buf, 0, 2 * n), y: new Uint8Array(buf, 8 * n, n) };
      }),
    );
  }
  return pointSets.get(url);
}
