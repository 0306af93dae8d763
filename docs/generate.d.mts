/** Types of the reference generator (plain JavaScript, run after the build). @module */

/** The sections of the configuration reference: the schema's top-level keys. */
export declare function configSections(): Promise<string[]>;
/** docs/configuration.md as the schema renders it. */
export declare function configurationDoc(): Promise<string>;
/** README.md with its generated blocks rendered again. */
export declare function readmeDoc(readme: string): Promise<string>;
/** The `## ` headings of a Markdown text, in order. */
export declare function headings(text: string): string[];
/** What differs between a committed reference and the rendered one; empty when they are the same text. */
export declare function docProblems(name: string, committed: string, rendered: string): string[];
