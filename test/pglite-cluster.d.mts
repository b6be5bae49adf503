/** PGlite's dist/ directory (its wasm, initdb and file-system bundle). */
export const PGLITE_DIST: string;
/** Where the empty cluster of the installed PGlite version is kept. */
export const EMPTY_CLUSTER_FILE: string;
/** The empty cluster's bytes: read from the cache, made by this process, or waited for while another makes it. */
export function emptyClusterBytes(): Promise<Buffer>;
/** Node flags for the processes that start PGlite in the tests: WebAssembly by V8's baseline compiler only. */
export const PGLITE_NODE_FLAGS: string[];
