// wasm-files.ts for a browser page or Web Worker (the playground's build substitutes this file):
// the modules are fetched once, before the first use (webassembly.ts's preloadWasm), since a
// page cannot read a file synchronously.

const fetched = new Map<string, Uint8Array>();

export function readWasmFile(url: URL): Uint8Array {
  const bytes = fetched.get(url.href);
  if (bytes === undefined) throw new Error(`${url.href} was not fetched: await preloadWasm() before the first training or feature kernel`);
  return bytes;
}

export async function fetchWasmFile(url: URL): Promise<Uint8Array> {
  let bytes = fetched.get(url.href);
  if (bytes === undefined) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url.href}: ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
    fetched.set(url.href, bytes);
  }
  return bytes;
}

/** Browsers that have relaxed SIMD have it on. */
export function enableRelaxedSimd(): void {}

export function forcedFlavour(): string | undefined {
  return undefined;
}
