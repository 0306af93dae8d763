/**
 * Imported first by the command: drops one deprecation warning the user can do nothing about. Node 22 warns
 * (DEP0040) when any module loads the built-in `punycode`; the Okta SDK's `node-fetch` 2 does, so every
 * command on Node 22 would start with that warning on stderr. Every other warning is still printed.
 * @module
 */

const emit = process.emitWarning;
process.emitWarning = function emitWarning(this: unknown, warning: string | Error, ...rest: unknown[]): void {
  const [typeOrOptions, code] = rest;
  const warningCode =
    typeof typeOrOptions === 'object' && typeOrOptions !== null
      ? (typeOrOptions as { code?: unknown }).code
      : code;
  if (warningCode === 'DEP0040') return;
  (emit as (...args: unknown[]) => void).call(this, warning, ...rest);
} as typeof process.emitWarning;
