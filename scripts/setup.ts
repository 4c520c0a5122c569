/**
 * npm run setup (after scripts/setup.sh has run npm ci): Debian packages, then the Go
 * components built from their pinned modules into the cache outside the repo, then the
 * OpenTelemetry Collector through its builder, then the fake services' esbuild bundle.
 * Only permissive code is built: the AGPL components (Loki, Promtail, Grafana, k6) are
 * listed as found or not, with how to supply them.
 * Idempotent: each step checks first and says "skipped" when there is nothing to do.
 */
import { execa } from 'execa';
import { cpSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest, type CollectorComponentSpec, type GoComponentSpec } from '../harness/lib/manifest.ts';
import { binCacheDir, REPO_ROOT, srcCacheDir } from '../harness/lib/paths.ts';
import { cachedBinaryPath, findUserSupplied, resolveBinary, type BinaryName } from '../harness/stack/binaries.ts';
import { displayPath, prepareFleetBundle } from '../harness/stack/fleet-bundle.ts';
import { UsageError } from '../harness/lib/errors.ts';
import { setupContainers } from './containers.ts';

const manifest = loadManifest();

async function step(title: string, run: () => Promise<string>): Promise<void> {
  const t0 = performance.now();
  process.stdout.write(`[setup] ${title.padEnd(44)} `);
  const outcome = await run();
  console.log(`${outcome} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
}

function resolves(binary: string): boolean {
  try {
    resolveBinary(binary as BinaryName);
    return true;
  } catch {
    return false;
  }
}

async function commandExists(cmd: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${cmd}`], { reject: false })).exitCode === 0;
}

async function installDebianPackages(): Promise<string> {
  // Compose is for the containers backend only (scripts/containers.ts installs it with --containers).
  const missing = Object.entries(manifest.debian).filter(([name]) => name !== 'docker-compose' && !resolves(name));
  if (missing.length === 0) return 'skipped (all present)';
  const packages = [...new Set(missing.map(([, d]) => d.package))];
  if (!(await commandExists('apt-get'))) {
    throw new UsageError(`apt-get is not available to install: ${packages.join(', ')}`, {
      fix: `put these binaries on PATH (or name them in *_BIN variables): ${missing.map(([, d]) => d.binary).join(', ')}`,
    });
  }
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args: string[]) => execa(sudo[0] ?? args[0]!, sudo.length ? args : args.slice(1), { stdio: 'inherit', env: { DEBIAN_FRONTEND: 'noninteractive' } });
  console.log(`\n[setup]   apt-get install ${packages.join(' ')}`);
  await run(['apt-get', 'update', '-qq']);
  await run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
  // Debian starts these as system services on install; the harness runs its own on
  // other ports, but a stray system redis/postgres/mosquitto is noise: stop them.
  for (const svc of ['redis-server', 'postgresql', 'mosquitto']) await execa(sudo[0] ?? 'service', [...(sudo.length ? ['service'] : []), svc, 'stop'], { reject: false });
  return `installed ${packages.join(', ')}`;
}

/**
 * Build one Go component through its wrapper module (scripts/gobuild/<name>): the
 * wrapper requires the upstream module and repeats its replace/exclude directives,
 * which `go install mod@version` would refuse.
 */
async function buildGoComponent(name: string, spec: GoComponentSpec): Promise<string> {
  const targets = spec.binaries.map((b) => cachedBinaryPath(name, spec, b));
  if (spec.binaries.every((b) => resolves(b))) return `skipped (${spec.version} present)`;
  if (!(await commandExists('go'))) return fallbackWithoutGo(name, spec);

  const wrapper = join(REPO_ROOT, spec.wrapper);
  const env: Record<string, string> = { GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' };

  const staging = join(binCacheDir(), `.staging-${name}-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  try {
    // Download first: on a fresh machine the module's source is not in the cache yet, and
    // the placeholder copy is made from it.
    await execa('go', ['mod', 'download', spec.module], { cwd: wrapper, env });
    const modfile = spec.embedPlaceholders?.length ? ['-modfile', await modfileWithPlaceholders(name, spec, wrapper)] : [];
    await execa(
      'go',
      ['build', ...modfile, '-trimpath', '-ldflags', `-s -w -X ${spec.versionVar}=${spec.versionValue ?? spec.version}`, '-o', `${staging}/`, ...spec.packages.map((p) => (p === '.' ? spec.module : `${spec.module}/${p}`))],
      { cwd: wrapper, env, stdout: 'ignore', stderr: 'pipe' },
    );
    const dir = join(binCacheDir(), `${name}-${spec.version}`);
    mkdirSync(dir, { recursive: true });
    // Rename into place only when the whole build succeeded: no half-written binary is ever "present".
    for (const b of spec.binaries) renameSync(join(staging, b), join(dir, b));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return `built ${targets.map((t) => t.replace(binCacheDir() + '/', '')).join(', ')}`;
}

/**
 * Some modules embed files that only their npm build produces (Alertmanager's UI). Copy
 * the module source to the cache, add a placeholder page, and build with a copy of the
 * wrapper's go.mod that replaces the module with that copy (-modfile keeps the repo's
 * go.mod untouched). The server code is unchanged; only the web UI is absent.
 */
async function modfileWithPlaceholders(name: string, spec: GoComponentSpec, wrapper: string): Promise<string> {
  const { stdout: modDir } = await execa('go', ['list', '-m', '-f', '{{.Dir}}', spec.module], { cwd: wrapper });
  if (!modDir.trim()) throw new Error(`go list found no source directory for ${spec.module}: was it downloaded?`);
  const copy = join(srcCacheDir(), `${name}-${spec.version}`);
  if (!existsSync(join(copy, 'go.mod'))) {
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(srcCacheDir(), { recursive: true });
    cpSync(modDir.trim(), copy, { recursive: true });
    makeWritable(copy);
  }
  for (const rel of spec.embedPlaceholders ?? []) {
    const file = join(copy, rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, `<!doctype html><title>${name}</title><p>${name} ${spec.version} built by mcp-monitoring-harness without its web UI: the API is complete.</p>\n`);
  }
  const modfile = join(srcCacheDir(), `${name}-${spec.version}.go.mod`);
  writeFileSync(modfile, `${readFileSync(join(wrapper, 'go.mod'), 'utf8')}\nreplace ${spec.module} => ${copy}\n`);
  cpSync(join(wrapper, 'go.sum'), modfile.replace(/\.mod$/, '.sum'));
  return modfile;
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
}

/**
 * The OpenTelemetry Collector: the builder (itself a Go module) writes a main package for
 * exactly the modules its config lists and compiles it. The builder goes into the cache
 * too, so a repeat run needs neither.
 */
async function buildCollector(name: string, spec: CollectorComponentSpec): Promise<string> {
  const binary = spec.binaries[0]!;
  if (resolves(binary)) return `skipped (${spec.version} present)`;
  if (!(await commandExists('go'))) throw new UsageError(`Go is not installed, and ${name} ${spec.version} is built by the collector builder`, { fix: 'install Go (https://go.dev/doc/install) and run `npm run setup` again' });
  const toolsDir = join(binCacheDir(), `ocb-${spec.builderVersion}`);
  const builder = join(toolsDir, 'builder');
  const env = { GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' };
  if (!existsSync(builder)) await execa('go', ['install', `${spec.builderModule}@${spec.builderVersion}`], { env: { ...env, GOBIN: toolsDir } });
  const work = join(srcCacheDir(), `${name}-${spec.version}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // The builder writes its sources and binary to output_path, relative to its working directory.
  cpSync(join(REPO_ROOT, spec.config), join(work, 'builder-config.yaml'));
  await execa(builder, ['--config', 'builder-config.yaml'], { cwd: work, env, stdout: 'ignore', stderr: 'pipe' });
  const dir = join(binCacheDir(), `${name}-${spec.version}`);
  mkdirSync(dir, { recursive: true });
  renameSync(join(work, '_build', 'otelcol-harness'), join(dir, binary));
  rmSync(work, { recursive: true, force: true });
  return `built ${name}-${spec.version}/${binary}`;
}

/** What the harness runs and under which licence; the AGPL parts only as the user supplies them. */
function printComponents(): void {
  const rows: [string, string, string, string][] = [];
  for (const [n, s] of Object.entries(manifest.go)) rows.push([n, s.version, s.license, 'built from its Go module']);
  for (const [n, s] of Object.entries(manifest.collector)) rows.push([n, s.version, s.license, 'built by the collector builder']);
  for (const [n, s] of Object.entries(manifest.debian)) rows.push([n, s.package, s.license, 'Debian package']);
  console.log('[setup] components (name, version, licence, source):');
  for (const r of rows) console.log(`[setup]   ${r[0].padEnd(18)} ${r[1].padEnd(22)} ${r[2].padEnd(20)} ${r[3]}`);
  console.log('[setup] user-supplied (AGPL-3.0: never built or downloaded by this project):');
  for (const [n, s] of Object.entries(manifest.userSupplied)) {
    const found = findUserSupplied(s.binaries[0] as BinaryName);
    console.log(`[setup]   ${n.padEnd(18)} ${found ? `found ${found.path} (${found.version})` : `not found: ${s.how}`}`);
  }
}

/** Without Go, Prometheus and Alertmanager fall back to Debian's (older) packages. Loudly. */
async function fallbackWithoutGo(name: string, spec: GoComponentSpec): Promise<string> {
  const debianPackage: Record<string, string> = { prometheus: 'prometheus', alertmanager: 'prometheus-alertmanager' };
  const pkg = debianPackage[name];
  if (!pkg) throw new UsageError(`Go is not installed, and ${name} ${spec.version} can only be built from its Go module`, { fix: 'install Go (https://go.dev/doc/install) and run `npm run setup` again' });
  console.warn(`\n[setup] WARNING: Go is not installed. Falling back to Debian's ${pkg} package for ${name}: an OLDER version than the pinned ${spec.version}; results may differ from the platform's images.`);
  await execa('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit' });
  const dir = join(binCacheDir(), `${name}-${spec.version}`);
  mkdirSync(dir, { recursive: true });
  for (const b of spec.binaries) {
    const target = join(dir, b);
    if (!existsSync(target)) symlinkSync(`/usr/bin/${b}`, target);
  }
  writeFileSync(join(dir, 'FALLBACK'), `Debian package ${pkg}, not ${spec.version}\n`);
  return `FALLBACK to Debian ${pkg} (not ${spec.version})`;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  mkdirSync(binCacheDir(), { recursive: true });
  await step('Debian packages', installDebianPackages);
  for (const [name, spec] of Object.entries(manifest.go)) await step(`${name} ${spec.version} (Go module ${spec.moduleVersion})`, () => buildGoComponent(name, spec));
  for (const [name, spec] of Object.entries(manifest.collector)) await step(`${name} ${spec.version} (collector builder)`, () => buildCollector(name, spec));
  await step('fake-service bundle (esbuild)', async () => {
    const b = await prepareFleetBundle();
    return b.built ? `built ${displayPath(b.path)}` : `skipped (${displayPath(b.path)} matches the sources)`;
  });
  if (process.argv.includes('--containers')) {
    // The containers backend: an engine (a Docker that answers, else podman installed and its API started) and the local images.
    console.log('[setup] containers backend');
    await setupContainers((line) => console.log(`[setup]   ${line}`));
  } else console.log('[setup] containers backend                           not set up (npm run setup -- --containers)');
  printComponents();
  console.log(`[setup] done in ${((performance.now() - t0) / 1000).toFixed(1)}s; binaries in ${binCacheDir()}`);
}

main().catch((e: unknown) => {
  console.log('');
  if (e instanceof UsageError) {
    console.error(`setup: ${e.message}`);
    process.exit(2);
  }
  const err = e as { stderr?: string; message?: string };
  console.error(`setup failed: ${err.message ?? String(e)}${err.stderr ? `\n${String(err.stderr).split('\n').slice(-30).join('\n')}` : ''}`);
  process.exit(1);
});
