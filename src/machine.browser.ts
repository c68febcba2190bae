// machine.ts for a browser (the playground's build substitutes this file).

declare const navigator: { hardwareConcurrency?: number } | undefined;

export function coreCount(): number {
  return (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
}
