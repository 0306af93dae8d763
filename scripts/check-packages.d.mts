/** Types of the package-boundary check (plain JavaScript, run after the build). @module */

/** The package name of a bare specifier (`@scope/name/sub` -> `@scope/name`), or null for relative/builtin. */
export declare function packageOf(specifier: string): string | null;
/** Bare specifiers of static and dynamic imports (and re-exports) in compiled ESM. */
export declare function importsOf(source: string): string[];
/** Problems with what one manifest ships: imports of private workspace packages or of undeclared ones. */
export declare function shippedImportProblems(input: {
  pkg: { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  files: readonly string[];
  read: (file: string) => string;
  privateNames: ReadonlySet<string>;
}): string[];
