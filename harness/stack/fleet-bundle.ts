/**
 * The fake services as one ESM file built by esbuild, so each of the 17 processes starts with
 * plain `node <bundle>` instead of compiling TypeScript through tsx at every start.
 *
 * Packages stay external and resolve from the repo's node_modules, which is why the bundle
 * lives under the repo (paths.ts fleetBundleDir). Its name is a sha256 of every file that goes
 * into it (fake-services/**\/*.ts, package-lock.json, the esbuild version and options), so a
 * stale bundle is never run; the build checks esbuild read nothing outside that set.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { build, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { fleetBundleDir, REPO_ROOT } from '../lib/paths.ts';

export interface FleetBundleOptions {
  /** Directory holding fake-services/ and package-lock.json: the repo, or a copy in tests. */
  root?: string;
  /** Where bundles go; must have the services' packages in a node_modules above it to run. */
  outDir?: string;
}

export interface FleetBundle {
  path: string;
  /** False when a bundle with the same key was already there. */
  built: boolean;
}

const BUILD = { bundle: true, platform: 'node', format: 'esm', target: 'node24', packages: 'external', logLevel: 'silent' } satisfies BuildOptions;
const ENTRY = 'fake-services/main.ts';
/** Other keys' bundles are removed once unused this long: a running fleet may still restart a service from one. */
const PRUNE_AFTER_MS = 7 * 24 * 3600_000;
/**
 * A stable name for the newest bundle: a relative symlink beside it, which docker-compose.test.yml
 * runs (`node /app/.cache/fleet/current.mjs`) since a Compose file cannot name the hashed file.
 */
export const CURRENT_BUNDLE = 'current.mjs';

/** The files a bundle is built from, relative to root with '/' separators, sorted. */
export function fleetBundleSources(root = REPO_ROOT): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []));
  return [...walk('fake-services'), 'package-lock.json'].sort();
}

/** sha256 over the sources' names and contents and how they are built. */
export function fleetBundleKey(root = REPO_ROOT): string {
  const h = createHash('sha256').update(`esbuild ${esbuildVersion} ${JSON.stringify(BUILD)} ${ENTRY}\n`);
  for (const rel of fleetBundleSources(root)) h.update(`${rel}\0`).update(readFileSync(join(root, rel))).update('\0');
  return h.digest('hex');
}

/** Path of the bundle for the current sources, built first when it is not there yet. */
export async function ensureFleetBundle(opts: FleetBundleOptions = {}): Promise<string> {
  return (await prepareFleetBundle(opts)).path;
}

export async function prepareFleetBundle(opts: FleetBundleOptions = {}): Promise<FleetBundle> {
  const root = opts.root ?? REPO_ROOT;
  const outDir = opts.outDir ?? fleetBundleDir();
  const path = join(outDir, `${fleetBundleKey(root)}.mjs`);
  if (existsSync(path)) {
    try {
      utimesSync(path, new Date(), new Date()); // in use: keeps prune() away from it
    } catch {
      // best effort (another user's file)
    }
    try {
      linkCurrent(outDir, path);
    } catch {
      // a read-only cache: current.mjs stays as its owner left it
    }
    return { path, built: false };
  }
  const result = await build({ ...BUILD, entryPoints: [join(root, ENTRY)], absWorkingDir: root, write: false, metafile: true });
  const hashed = new Set(fleetBundleSources(root));
  const unhashed = Object.keys(result.metafile.inputs).map((p) => p.split(sep).join('/')).filter((p) => !hashed.has(p));
  if (unhashed.length) throw new Error(`the fake-service bundle would include ${unhashed.join(', ')}, which its cache key does not cover (fleet-bundle.ts fleetBundleSources)`);
  const out = result.outputFiles[0];
  if (!out || result.outputFiles.length !== 1) throw new Error(`esbuild wrote ${result.outputFiles.length} files for ${ENTRY}, expected one`);
  mkdirSync(outDir, { recursive: true });
  // Temp file + rename: a concurrent run sees either no bundle or a whole one, never half.
  const tmp = join(outDir, `.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(tmp, out.contents);
  renameSync(tmp, path);
  linkCurrent(outDir, path);
  prune(outDir, path);
  return { path, built: true };
}

/** Points current.mjs at the bundle: a new symlink renamed over the old one, so a reader never finds none. */
function linkCurrent(outDir: string, path: string): void {
  const link = join(outDir, CURRENT_BUNDLE);
  try {
    if (readlinkSync(link) === basename(path)) return;
  } catch {
    // absent, or not a symlink: replaced below
  }
  const tmp = join(outDir, `.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  symlinkSync(basename(path), tmp);
  renameSync(tmp, link);
}

function prune(outDir: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(outDir)) {
    const p = join(outDir, name);
    if (p === keep || name === CURRENT_BUNDLE || !/\.(mjs|tmp)$/.test(name)) continue;
    try {
      // A .tmp an hour old is a crashed build's; a bundle is kept while a fleet may still use it.
      if (now - statSync(p).mtimeMs > (name.endsWith('.tmp') ? 3600_000 : PRUNE_AFTER_MS)) rmSync(p, { force: true });
    } catch {
      // removed by a concurrent run
    }
  }
}

/** For messages: the bundle path relative to the repo when it is inside it. */
export const displayPath = (p: string): string => (p.startsWith(REPO_ROOT + sep) ? relative(REPO_ROOT, p) : p);
