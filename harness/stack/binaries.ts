/**
 * Finds each binary the stack runs. Built components (Go modules, the collector): an
 * environment variable naming it, the cache `npm run setup` fills, a binary on PATH that
 * reports the pinned version. Debian packages: the variable, the package path, PATH.
 * User-supplied (AGPL) components: only the variable or PATH; setup never builds them.
 * A missing required binary is a UsageError that says how to get it.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { UsageError } from '../lib/errors.ts';
import { binCacheDir } from '../lib/paths.ts';
import { loadManifest, type CollectorComponentSpec, type GoComponentSpec, type UserSuppliedSpec } from '../lib/manifest.ts';

export type BinaryName =
  | 'prometheus' | 'promtool' | 'alertmanager' | 'amtool' | 'victoria-logs' | 'vegeta' | 'otelcol-harness'
  | 'loki' | 'promtail' | 'grafana' | 'k6'
  | 'mosquitto' | 'postgres' | 'initdb' | 'redis' | 'postgres-exporter' | 'redis-exporter' | 'chromium';

export interface ResolvedBinary {
  name: BinaryName;
  path: string;
  /** Version from the manifest when it is ours; what the binary or package gave otherwise. */
  version: string;
  source: 'env' | 'cache' | 'path' | 'debian';
  license: string;
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

type BuiltSpec = (GoComponentSpec | CollectorComponentSpec) & { kind: 'go' | 'collector' };

/** The built component a binary belongs to (prometheus → prometheus, amtool → alertmanager, ...). */
export function builtComponentOf(binary: string): [string, BuiltSpec] | undefined {
  const m = loadManifest();
  for (const [name, spec] of Object.entries(m.go)) if (spec.binaries.includes(binary)) return [name, { ...spec, kind: 'go' }];
  for (const [name, spec] of Object.entries(m.collector)) if (spec.binaries.includes(binary)) return [name, { ...spec, kind: 'collector' }];
  return undefined;
}

export function userSuppliedComponentOf(binary: string): [string, UserSuppliedSpec] | undefined {
  for (const [name, spec] of Object.entries(loadManifest().userSupplied)) if (spec.binaries.includes(binary)) return [name, spec];
  return undefined;
}

export function cachedBinaryPath(component: string, spec: { version: string }, binary: string): string {
  return join(binCacheDir(), `${component}-${spec.version}`, binary);
}

/** The first x.y.z a binary prints for --version (Prometheus: "version 3.16.0", VictoriaLogs: "victoria-logs-v1.52.1"). */
export function reportedVersion(path: string, flag = '--version'): string | undefined {
  const pick = (s: string) => /v?(\d+\.\d+\.\d+)/.exec(s)?.[1];
  try {
    return pick(execFileSync(path, [flag], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }));
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return pick(`${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

const envNameOf = (binary: string): string => `${binary.toUpperCase().replace(/-/g, '_')}_BIN`;

function fromEnv(name: BinaryName, envName: string, fix: string): string | undefined {
  const v = process.env[envName];
  if (!v) return undefined;
  if (!isExecutable(v)) throw new UsageError(`${envName}=${v} is not an executable file`, { field: envName, fix });
  return v;
}

/** A user-supplied (AGPL) binary, or undefined when the user supplied none. Never built here. */
export function findUserSupplied(name: BinaryName): ResolvedBinary | undefined {
  const owner = userSuppliedComponentOf(name);
  if (!owner) throw new Error(`${name} is not a user-supplied component`);
  const [, spec] = owner;
  const envName = spec.binaries.length === 1 ? spec.envVar : envNameOf(name);
  const path = fromEnv(name, envName, `point ${envName} at your ${name} binary, or unset it`) ?? onPath(name);
  if (!path) return undefined;
  return { name, path, version: reportedVersion(path, name === 'grafana' ? '-v' : '--version') ?? 'unknown', source: process.env[envName] ? 'env' : 'path', license: spec.license };
}

export function resolveBinary(name: BinaryName): ResolvedBinary {
  const built = builtComponentOf(name);
  if (built) {
    const [component, spec] = built;
    const envName = spec.binaries.length === 1 ? spec.envVar : envNameOf(name);
    const env = fromEnv(name, envName, `point ${envName} at the ${name} ${spec.version} binary, or unset it and run \`npm run setup\``);
    if (env) return { name, path: env, version: reportedVersion(env) ?? spec.version, source: 'env', license: spec.license };
    const cached = cachedBinaryPath(component, spec, name);
    if (isExecutable(cached)) return { name, path: cached, version: spec.version, source: 'cache', license: spec.license };
    const p = onPath(name);
    if (p && reportedVersion(p) === spec.version) return { name, path: p, version: spec.version, source: 'path', license: spec.license };
    throw new UsageError(`${name} ${spec.version} is not installed (looked in $${envName}, ${cached}, and PATH for version ${spec.version})`, { fix: 'run `npm run setup`, which builds it from its pinned modules into the cache' });
  }
  const supplied = userSuppliedComponentOf(name);
  if (supplied) {
    const found = findUserSupplied(name);
    if (found) return found;
    throw new UsageError(`${name} is not available: it is ${supplied[1].license}, so this project never builds or downloads it`, { field: supplied[1].envVar, fix: supplied[1].how });
  }
  const deb = loadManifest().debian[name];
  if (!deb) throw new Error(`no manifest entry for binary ${name}`);
  const envName = envNameOf(name);
  const env = process.env[envName];
  if (env && isExecutable(env)) return { name, path: env, version: 'from env', source: 'env', license: deb.license };
  for (const p of deb.paths) if (existsSync(p) && isExecutable(p)) return { name, path: p, version: `debian ${deb.package}`, source: 'debian', license: deb.license };
  const p = onPath(deb.binary);
  if (p) return { name, path: p, version: 'from PATH', source: 'path', license: deb.license };
  throw new UsageError(`${deb.binary} is not installed (Debian package ${deb.package})`, { fix: `run \`npm run setup\` (installs it with apt), or put ${deb.binary} on PATH, or set ${envName}` });
}
