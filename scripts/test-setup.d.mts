/** Types of the test command's set-up script (plain JavaScript, run before any build). @module */

/** Executable names looked up on PATH, in order. */
export declare const CHROMIUM_NAMES: readonly string[];
/** What to install, in the one line a run that cannot find or install a browser ends with. */
export declare const CHROMIUM_HINT: string;
/** A set-up step that cannot be done: its message is the one line the run ends with. */
export declare class SetupError extends Error {}
/** The first executable `name` on `envPath`, or undefined. */
export declare function which(name: string, envPath?: string): string | undefined;
/** The Chromium the browser tests launch, or undefined when there is none. */
export declare function findChromium(env?: NodeJS.ProcessEnv): string | undefined;
/** Finds a Chromium or installs Debian's with apt-get when it may; returns its path. */
export declare function ensureChromium(options?: {
  env?: NodeJS.ProcessEnv;
  isRoot?: boolean;
  log?: (line: string) => void;
}): string;
/** The server the tests use (TEST_DATABASE_URL or the local default). */
export declare function testDatabaseUrl(env?: NodeJS.ProcessEnv): URL;
/** Makes sure the tests' PostgreSQL server is up and has the tests' database. */
export declare function ensurePostgres(options?: {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}): Promise<void>;
