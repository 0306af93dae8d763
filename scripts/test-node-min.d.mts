/** Types of the engines-floor test runner (plain JavaScript). @module */

/** The lowest version the root manifest's engines range allows (`>=22.12` -> `22.12.0`). */
export declare function engineFloor(range: string): string;
/** The tests run on the floor. */
export declare const FLOOR_TESTS: readonly string[];
