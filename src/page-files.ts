// Files a browser page has in memory (a bundled recording it fetched, a file the user dropped),
// by name: a page has no file system, so the browser builds of the file readers
// (audio/file-source.browser.ts, tasks/whole-file.browser.ts) read from here, and every path through the
// run library (loadTaskData, loadFeatures) works in a page unchanged. Node never adds any.

const files = new Map<string, Uint8Array>();

export function addPageFile(name: string, bytes: Uint8Array): void {
  files.set(name, bytes);
}

export function pageFile(name: string): Uint8Array | undefined {
  return files.get(name);
}
