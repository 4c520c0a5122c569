/**
 * node:http and node:fs for the service process, taken with process.getBuiltinModule instead of
 * an ESM `import`. Importing a builtin from ESM makes Node build a facade that reads every export
 * once, lazy getters included: node:http's WebSocket / MessageEvent getters load Node's internal
 * undici (about 11 MiB RSS per process, for nothing a fake service uses), node:fs's `promises`
 * getter loads fs/promises (about 3 MiB). These are the same module objects, without that.
 * Types still come from `import type ... from 'node:http'` (erased).
 */
export const http = process.getBuiltinModule('node:http');
export const fs = process.getBuiltinModule('node:fs');
