/** Where the harness keeps things outside the repo, so a fresh clone on the same machine reuses them. */
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function cacheRoot(): string {
  const base = process.env.MCP_HARNESS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mcp-monitoring-harness');
  return base;
}

/** Built and fetched binaries, keyed `<component>-<version>/`. */
export const binCacheDir = (): string => join(cacheRoot(), 'bin');
/** Copies of Go module sources that need build-time placeholders. */
export const srcCacheDir = (): string => join(cacheRoot(), 'src');
/** State of detached stacks and the reaper's bookkeeping. */
export const stateDir = (): string => join(cacheRoot(), 'state');
/**
 * The fake-service bundle (harness/stack/fleet-bundle.ts). Inside the repo, unlike the rest:
 * its node_modules imports stay external, and Node resolves them from the bundle's directory upwards.
 */
export const fleetBundleDir = (): string => join(REPO_ROOT, '.cache', 'fleet');
