/**
 * Finds each binary the stack runs. Order: an environment variable naming it, the
 * cache that `npm run setup` fills, a binary on PATH that reports the pinned version,
 * then Debian's package path. A missing binary is a UsageError that says how to get it.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { UsageError } from '../lib/errors.ts';
import { binCacheDir } from '../lib/paths.ts';
import { loadManifest, type GoComponentSpec } from '../lib/manifest.ts';

export type BinaryName =
  | 'prometheus' | 'promtool' | 'alertmanager' | 'amtool' | 'loki' | 'promtail'
  | 'mosquitto' | 'postgres' | 'initdb' | 'redis' | 'postgres-exporter' | 'redis-exporter' | 'chromium';

export interface ResolvedBinary {
  name: BinaryName;
  path: string;
  /** Version from the manifest when it is ours; what the package gave otherwise. */
  version: string;
  source: 'env' | 'cache' | 'path' | 'debian';
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, binary);
    if (dir && isExecutable(p)) return p;
  }
  return undefined;
}

/** The Go component a binary belongs to (prometheus → prometheus, amtool → alertmanager, ...). */
export function goComponentOf(binary: string): [string, GoComponentSpec] | undefined {
  const go = loadManifest().go;
  for (const [name, spec] of Object.entries(go)) if (spec.binaries.includes(binary)) return [name, spec];
  return undefined;
}

export function cachedGoBinaryPath(component: string, spec: GoComponentSpec, binary: string): string {
  return join(binCacheDir(), `${component}-${spec.version}`, binary);
}

/** `prometheus --version` and friends print "... version 3.16.0 ..." on stdout or stderr. */
export function reportedVersion(path: string): string | undefined {
  try {
    const out = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return /version\s+v?(\d+\.\d+\.\d+)/.exec(out)?.[1];
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return /version\s+v?(\d+\.\d+\.\d+)/.exec(`${err.stdout ?? ''}${err.stderr ?? ''}`)?.[1];
  }
}

export function resolveBinary(name: BinaryName): ResolvedBinary {
  const manifest = loadManifest();
  const go = goComponentOf(name);
  if (go) {
    const [component, spec] = go;
    const envName = `${name.toUpperCase()}_BIN`;
    const fromEnv = process.env[envName];
    if (fromEnv) {
      if (!isExecutable(fromEnv)) throw new UsageError(`${envName}=${fromEnv} is not an executable file`, { field: envName, fix: `point ${envName} at the ${name} ${spec.version} binary, or unset it and run \`npm run setup\`` });
      return { name, path: fromEnv, version: reportedVersion(fromEnv) ?? spec.version, source: 'env' };
    }
    const cached = cachedGoBinaryPath(component, spec, name);
    if (isExecutable(cached)) return { name, path: cached, version: spec.version, source: 'cache' };
    const p = onPath(name);
    if (p && reportedVersion(p) === spec.version) return { name, path: p, version: spec.version, source: 'path' };
    throw new UsageError(`${name} ${spec.version} is not installed (looked in $${envName}, ${cached}, and PATH for version ${spec.version})`, { fix: 'run `npm run setup`, which builds it from its Go module into the cache' });
  }
  const key = name === 'redis' ? 'redis' : name;
  const deb = manifest.debian[key];
  if (!deb) throw new Error(`no manifest entry for binary ${name}`);
  const envName = `${name.toUpperCase().replace(/-/g, '_')}_BIN`;
  const fromEnv = process.env[envName];
  if (fromEnv && isExecutable(fromEnv)) return { name, path: fromEnv, version: 'from env', source: 'env' };
  for (const p of deb.paths) if (existsSync(p) && isExecutable(p)) return { name, path: p, version: `debian ${deb.package}`, source: 'debian' };
  const p = onPath(deb.binary);
  if (p) return { name, path: p, version: 'from PATH', source: 'path' };
  throw new UsageError(`${deb.binary} is not installed (Debian package ${deb.package})`, { fix: `run \`npm run setup\` (installs it with apt), or put ${deb.binary} on PATH, or set ${envName}` });
}
