// unit-frames.ts for a browser (the playground's build substitutes this file): a unit written
// in the page runs from a blob: module whose lines are the editor's lines (the TypeScript is
// stripped in place), so a frame in it is reported as the editor's name:line:column.

/** Modules compiled from the page's editor: module URL → the name the page shows. */
const pageModules = new Map<string, string>();

export function registerBundle(url: string, name: string): void {
  pageModules.set(url, name);
}

const FRAME = /^\s*(?:at )?(?:.*[(@])?([^\s()@]+):(\d+):(\d+)\)?\s*$/;

export function unitFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const text of stack.split('\n')) {
    const m = FRAME.exec(text);
    const name = m && pageModules.get(m[1]);
    if (name) return `${name}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

export function debugStacks(): boolean {
  return false;
}
