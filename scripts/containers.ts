/**
 * `npm run setup -- --containers`: the groundwork of the containers backend, without any
 * registry. It finds a Docker engine the user already runs (and then changes nothing of
 * its configuration), or installs podman and starts its Docker-API service; then it builds
 * LOCAL images with the upstream images' container contract (paths, ports, entrypoint,
 * default flags: containers/README.md) from what setup already built or installs: the
 * static Go binaries go into FROM scratch images, Debian packages onto a debootstrapped
 * Debian base. Each image is tagged from versions.json (`localImage.tag`) and labelled
 * with a hash of its recipe and inputs, so a repeated run skips what is up to date.
 * Builds go through the engine's Docker API, so both engines build the same way.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, cpSync, createReadStream, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../harness/lib/errors.ts';
import { cacheRoot, REPO_ROOT } from '../harness/lib/paths.ts';
import { loadManifest } from '../harness/lib/manifest.ts';
import { resolveBinary, type BinaryName } from '../harness/stack/binaries.ts';
import { detectEngine, DOCKER_SOCKET, engineName, engineRequest, pingEngine, PODMAN_RUN_DIR, PODMAN_SOCKET, type Engine } from '../harness/stack/containers/engine.ts';

type Log = (line: string) => void;

const CACHE = (): string => join(cacheRoot(), 'containers');
const PODMAN_PACKAGES = ['podman', 'runc', 'conmon', 'netavark', 'aardvark-dns', 'containernetworking-plugins', 'iptables', 'uidmap', 'slirp4netns', 'fuse-overlayfs', 'catatonit', 'debootstrap'];
const CONF_PATH = '/etc/containers/containers.conf';
// crun fails on hybrid cgroup hosts and podman's default rlimits are refused there: measured.
const CONF = '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n';
const PODMAN_URL = `unix://${PODMAN_SOCKET}`;
const SERVICE_LOG = join(PODMAN_RUN_DIR, 'podman-service.log');
const SERVICE_PID = join(PODMAN_RUN_DIR, 'podman-service.pid');
export const RECIPE_LABEL = 'mcp-harness.recipe';
export const BASE_TAG = 'mcp-harness/debian-base:bookworm';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const secs = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(1);
const sudo = (cmd: string, args: string[]): [string, string[]] => (process.getuid?.() === 0 ? [cmd, args] : ['sudo', [cmd, ...args]]);

async function missingPackages(pkgs: string[]): Promise<string[]> {
  const { stdout } = await execa('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...pkgs], { reject: false });
  const installed = new Set(stdout.split('\n').filter((l) => / ii\s*$/.test(l)).map((l) => l.split(' ')[0]));
  return pkgs.filter((p) => !installed.has(p));
}

async function aptInstall(pkgs: string[], log: Log): Promise<void> {
  const missing = await missingPackages(pkgs);
  if (missing.length === 0) return;
  const t0 = performance.now();
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await execa(...sudo('apt-get', ['update', '-qq']), { env });
  await execa(...sudo('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing]), { env });
  log(`apt-get install ${missing.join(' ')}: done in ${secs(t0)} s`);
}

function checkContainersConf(log: Log): void {
  if (!existsSync(CONF_PATH)) {
    mkdirSync('/etc/containers', { recursive: true });
    writeFileSync(CONF_PATH, `# Written by mcp-monitoring-harness (scripts/containers.ts): runc, not crun (hybrid cgroups),\n# cgroupfs and file events (no systemd), rlimits the kernel accepts.\n${CONF}`);
    log(`wrote ${CONF_PATH} (runc, cgroupfs, file events, ulimits)`);
    return;
  }
  const text = readFileSync(CONF_PATH, 'utf8');
  // Each `key = value` line of CONF, whitespace aside, must be in the file.
  const squash = (t: string) => t.split('\n').map((l) => l.replace(/\s+/g, ''));
  const lacking = CONF.split('\n').filter((l) => l.includes(' = ') && !squash(text).includes(squash(l)[0]!));
  if (lacking.length) log(`WARNING: ${CONF_PATH} exists and lacks ${lacking.join(', ')}; left unchanged. Podman may fail here without them (crun on hybrid cgroups, refused rlimits): add them under [containers]/[engine] yourself.`);
}

/** The pid in the pid file, if that process is still a podman service. */
function servicePid(): number | undefined {
  try {
    const pid = Number(readFileSync(SERVICE_PID, 'utf8').trim());
    return /podman\0system\0service/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The podman API service, detached in its own session so it outlives setup; started only when its socket does not answer. */
async function startPodmanService(log: Log): Promise<void> {
  if (await pingEngine(PODMAN_URL)) return log(`podman API service answers on ${PODMAN_SOCKET} (pid ${servicePid() ?? 'unknown'})`);
  mkdirSync(PODMAN_RUN_DIR, { recursive: true });
  const t0 = performance.now();
  let pid = servicePid();
  if (pid === undefined) {
    rmSync(PODMAN_SOCKET, { force: true });
    const out = openSync(SERVICE_LOG, 'a');
    const child = spawn('podman', ['system', 'service', '--time=0', PODMAN_URL], { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    pid = child.pid;
    writeFileSync(SERVICE_PID, `${pid}\n`);
  }
  while (!(await pingEngine(PODMAN_URL))) {
    if (performance.now() - t0 > 30_000) throw new Error(`podman system service (pid ${pid}) did not answer on ${PODMAN_SOCKET} within 30 s; ${SERVICE_LOG} ends:\n${readFileSync(SERVICE_LOG, 'utf8').split('\n').slice(-15).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`started podman API service on ${PODMAN_SOCKET} (pid ${pid}, log ${SERVICE_LOG}) in ${secs(t0)} s`);
}

/** A Docker engine that answers is used as it is; otherwise podman, installed and configured here. */
async function ensureEngine(log: Log): Promise<Engine> {
  const user = process.env.DOCKER_HOST;
  const docker: Engine | undefined = !user ? { host: `unix://${DOCKER_SOCKET}`, source: 'docker.sock' } : user !== PODMAN_URL ? { host: user, source: 'DOCKER_HOST' } : undefined;
  if (docker && (await pingEngine(docker.host, 5000))) {
    log(`engine: ${await engineName(docker.host)} at ${docker.host} (from ${docker.source}; its configuration left untouched)`);
    return docker;
  }
  if (docker?.source === 'DOCKER_HOST') throw new UsageError(`DOCKER_HOST=${user} does not answer GET /_ping`, { field: 'DOCKER_HOST', fix: 'start that engine, or unset DOCKER_HOST to let setup run podman' });
  if (process.getuid?.() !== 0) throw new UsageError('no Docker engine answers, and podman is set up here only as root', { fix: 'run setup as root, or start a Docker engine and set DOCKER_HOST' });
  await aptInstall(PODMAN_PACKAGES, log);
  checkContainersConf(log);
  await startPodmanService(log);
  log(`engine: ${await engineName(PODMAN_URL)} at ${PODMAN_URL}`);
  return { host: PODMAN_URL, source: 'podman' };
}

/**
 * Compose v1 (versions.json debian `docker-compose`), which runs docker-compose.test.yml on
 * the engine: installed with apt when no docker-compose is there (a user's own is kept).
 */
async function ensureCompose(log: Log): Promise<void> {
  const spec = loadManifest().debian['docker-compose'];
  if (!spec) return;
  const onPath = async () => (await execa('sh', ['-c', `command -v ${spec.binary}`], { reject: false })).stdout.trim();
  const found = spec.paths.find((p) => existsSync(p)) ?? (await onPath());
  if (found) return log(`compose: ${found} (${(await execa(found, ['version', '--short'], { reject: false })).stdout.trim() || 'version unknown'})`);
  if (process.getuid?.() !== 0) return log(`WARNING: no ${spec.binary}: install the Debian package ${spec.package} (${spec.license}) as root to run docker-compose.test.yml`);
  await aptInstall([spec.package], log);
}

/** Statically linked, i.e. an ELF64 without PT_INTERP: the only kind that runs FROM scratch. */
function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return false;
    const [phoff, size, count] = [Number(h.readBigUInt64LE(32)), h.readUInt16LE(54), h.readUInt16LE(56)];
    const ph = Buffer.alloc(size * count);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < count; i++) if (ph.readUInt32LE(i * size) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

function staticBinary(name: BinaryName): string {
  const path = realpathSync(resolveBinary(name).path);
  if (!isStaticElf(path)) throw new UsageError(`${path} is not a static binary, so it cannot run in a FROM scratch image`, { fix: `unset ${name.toUpperCase().replace(/-/g, '_')}_BIN or point it at the static build \`npm run setup\` makes` });
  return path;
}

function nodeBinary(version: string): string {
  const dir = join(REPO_ROOT, 'node_modules', 'node');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
  if (pkg.version !== version) throw new UsageError(`node_modules/node is ${pkg.version ?? 'unknown'}, versions.json pins ${version}`, { fix: 'run `npm ci`' });
  return realpathSync(join(dir, 'bin', 'node'));
}

/** Mounts left under a directory (debootstrap mounts proc and sys while it runs) are undone before it is removed. */
async function removeTree(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(`${dir}/`));
  for (const m of mounts.sort().reverse()) await execa('umount', ['-l', m], { reject: false });
  rmSync(dir, { recursive: true, force: true });
}

/** The minbase Debian bookworm root filesystem as a tarball, made once by debootstrap and cached. */
async function debianRootfs(log: Log): Promise<string> {
  const tarball = join(CACHE(), 'debian-bookworm-minbase.tar');
  if (existsSync(tarball)) return tarball;
  if (process.getuid?.() !== 0) throw new UsageError('debootstrap needs root to make the Debian base', { fix: 'run setup with --containers as root once' });
  await aptInstall(['debootstrap'], log);
  const t0 = performance.now();
  const dir = mkdtempSync(join(CACHE(), 'rootfs-'));
  try {
    await execa('debootstrap', ['--variant=minbase', 'bookworm', dir, 'http://deb.debian.org/debian'], { all: true });
    const excludes = ['./dev/*', './proc/*', './sys/*', './var/cache/apt/archives/*.deb', './var/lib/apt/lists/*'].map((e) => `--exclude=${e}`);
    await execa('tar', ['--numeric-owner', ...excludes, '-C', dir, '-cf', `${tarball}.partial`, '.']);
    renameSync(`${tarball}.partial`, tarball);
  } finally {
    await removeTree(dir);
  }
  log(`debootstrap --variant=minbase bookworm: ${tarball} in ${secs(t0)} s`);
  return tarball;
}

const LocalImage = z.object({ tag: z.string(), recipe: z.string() });
const Entry = z.object({ version: z.string().optional(), localImage: LocalImage.optional() });
const Versions = z.object({ node: Entry, go: z.record(z.string(), Entry), collector: z.record(z.string(), Entry), debian: z.record(z.string(), Entry) });

interface ImageSpec {
  name: string;
  tag: string;
  dir: string;
  /** Files copied into the build context, by name in the context. */
  inputs: () => Promise<Record<string, string>>;
}

/** The images to build: the Debian base, then every versions.json entry with a localImage, base users after the base. */
function imageSpecs(log: Log): ImageSpec[] {
  const v = Versions.parse(JSON.parse(readFileSync(join(REPO_ROOT, 'versions.json'), 'utf8')));
  const bins = (...names: BinaryName[]) => async (): Promise<Record<string, string>> => ({ ...Object.fromEntries(names.map((n) => [n, staticBinary(n)] as const)), 'ca-certificates.crt': CA_BUNDLE });
  const inputs: Record<string, () => Promise<Record<string, string>>> = {
    prometheus: bins('prometheus', 'promtool'),
    alertmanager: bins('alertmanager', 'amtool'),
    victorialogs: bins('victoria-logs'),
    otelcol: async () => ({ 'otelcol-contrib': staticBinary('otelcol-harness'), 'ca-certificates.crt': CA_BUNDLE }),
    node: async () => ({ node: nodeBinary(v.node.version ?? '') }),
  };
  const entries: [string, z.infer<typeof Entry>][] = [['node', v.node], ...Object.entries(v.go), ...Object.entries(v.collector), ...Object.entries(v.debian)];
  const specs: ImageSpec[] = [{ name: 'debian-base', tag: BASE_TAG, dir: join(REPO_ROOT, 'containers/recipes/debian-base'), inputs: async () => ({ 'rootfs.tar': await debianRootfs(log) }) }];
  for (const [name, e] of entries) {
    if (!e.localImage) continue;
    if (e.version && !e.localImage.tag.endsWith(`:${e.version}`)) throw new UsageError(`${name}.localImage.tag ${e.localImage.tag} does not carry version ${e.version}`, { file: 'versions.json', field: `${name}.localImage.tag`, fix: `tag it mcp-harness/${name}:${e.version}` });
    specs.push({ name, tag: e.localImage.tag, dir: join(REPO_ROOT, e.localImage.recipe, '..'), inputs: inputs[name] ?? (async () => ({})) });
  }
  return specs.sort((a, b) => Number(usesBase(a)) - Number(usesBase(b)));
}

const usesBase = (s: ImageSpec): boolean => new RegExp(`^FROM\\s+${BASE_TAG.replace(/[/.]/g, '\\$&')}\\b`, 'm').test(readFileSync(join(s.dir, 'Containerfile'), 'utf8'));

/** sha256 of a file, remembered by path, size and mtime so a repeated run does not reread 600 MB of binaries. */
type HashCache = Record<string, { size: number; mtimeMs: number; sha256: string }>;
async function fileHash(path: string, cache: HashCache): Promise<string> {
  const st = statSync(path);
  const hit = cache[path];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  cache[path] = { size: st.size, mtimeMs: st.mtimeMs, sha256: h.digest('hex') };
  return cache[path].sha256;
}

async function inspectImage(engine: Engine, tag: string): Promise<{ id: string; label?: string } | undefined> {
  const res = await engineRequest(engine.host, 'GET', `/images/${tag}/json`, { timeoutMs: 10_000 });
  if (res.status === 404) return void (await res.body.dump());
  if (res.status !== 200) throw new Error(`GET /images/${tag}/json: HTTP ${res.status} ${await res.body.text()}`);
  const info = (await res.body.json()) as { Id: string; Config?: { Labels?: Record<string, string> | null } };
  return { id: info.Id, label: info.Config?.Labels?.[RECIPE_LABEL] };
}

/** POST /build with the context as a tar stream; the engine's output goes to a log file, its error into the exception. */
async function buildImage(engine: Engine, spec: ImageSpec, ctx: string, label: string, logFile: string): Promise<void> {
  const tar = spawn('tar', ['-C', ctx, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const q = new URLSearchParams({ t: spec.tag, dockerfile: 'Containerfile', labels: JSON.stringify({ [RECIPE_LABEL]: label }), rm: '1', forcerm: '1', networkmode: 'host', layers: 'false' });
  const res = await engineRequest(engine.host, 'POST', `/build?${q.toString()}`, { body: tar.stdout, headers: { 'content-type': 'application/x-tar' } });
  let error = res.status === 200 ? '' : `HTTP ${res.status}`;
  // One JSON object a line: {"stream": "..."} as it goes, {"error": "..."} when a step fails.
  const text = (await res.body.text()).split('\n').filter((l) => l.trim()).map((l) => {
    try {
      const m = JSON.parse(l) as { stream?: string; error?: string; message?: string };
      if (m.error) error = m.error;
      return m.stream ?? `${m.error ?? m.message ?? l}\n`;
    } catch {
      return `${l}\n`;
    }
  }).join('');
  writeFileSync(logFile, text);
  if (error) throw new Error(`${error}\n${text.split('\n').slice(-15).join('\n')}\n(full log: ${logFile})`);
}

/** A hard link when the input is on the same filesystem (the binaries are large), a copy otherwise. */
function place(src: string, dst: string): void {
  try {
    linkSync(src, dst);
  } catch {
    copyFileSync(src, dst);
  }
}

/** Builds one image unless the tag already carries the label of this recipe and inputs. */
async function ensureImage(engine: Engine, spec: ImageSpec, hashes: HashCache, log: Log): Promise<void> {
  const t0 = performance.now();
  const inputs = await spec.inputs();
  const files = readdirSync(spec.dir).sort();
  const h = createHash('sha256');
  for (const f of files) h.update(`recipe ${f} ${statSync(join(spec.dir, f)).mode & 0o111 ? 'x' : '-'} ${await fileHash(join(spec.dir, f), hashes)}\n`);
  for (const [name, path] of Object.entries(inputs).sort()) h.update(`input ${name} ${await fileHash(path, hashes)}\n`);
  h.update('generated empty/ 0755, skeleton/tmp/ 1777\n');
  if (usesBase(spec)) {
    const base = await inspectImage(engine, BASE_TAG);
    if (!base) throw new Error(`${BASE_TAG} is missing`);
    h.update(`base ${base.id}\n`);
  }
  const label = h.digest('hex');
  const old = await inspectImage(engine, spec.tag);
  if (old?.label === label) return log(`${spec.tag.padEnd(44)} skipped (up to date)`);
  const ctx = mkdtempSync(join(CACHE(), `ctx-${spec.name}-`));
  try {
    for (const f of files) cpSync(join(spec.dir, f), join(ctx, f));
    for (const [name, path] of Object.entries(inputs)) place(path, join(ctx, name));
    // Scratch has no mkdir: recipes copy empty/ to make a data directory (with --chown), and
    // skeleton/ to / for a /tmp; a copied directory's own mode is not kept, its children's are.
    mkdirSync(join(ctx, 'empty'));
    mkdirSync(join(ctx, 'skeleton', 'tmp'), { recursive: true });
    chmodSync(join(ctx, 'empty'), 0o755);
    chmodSync(join(ctx, 'skeleton', 'tmp'), 0o1777);
    mkdirSync(join(CACHE(), 'logs'), { recursive: true });
    await buildImage(engine, spec, ctx, label, join(CACHE(), 'logs', `${spec.name}.log`));
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  const now = await inspectImage(engine, spec.tag);
  if (now?.label !== label) throw new Error(`the engine built ${spec.tag} without label ${RECIPE_LABEL}=${label}`);
  // The previous build of this tag is now untagged: remove it (the engine refuses while containers use it).
  if (old && old.id !== now.id) await engineRequest(engine.host, 'DELETE', `/images/${old.id}`, { timeoutMs: 30_000 }).then((r) => r.body.dump(), () => {});
  log(`${spec.tag.padEnd(44)} built in ${secs(t0)} s`);
}

export async function setupContainers(log: Log): Promise<void> {
  const t0 = performance.now();
  mkdirSync(CACHE(), { recursive: true });
  const engine = await ensureEngine(log);
  await detectEngine(); // so containerEngineEnv() in this process names the engine just set up
  await ensureCompose(log);
  const hashFile = join(CACHE(), 'hashes.json');
  const hashes = (existsSync(hashFile) ? JSON.parse(readFileSync(hashFile, 'utf8')) : {}) as HashCache;
  const failed: string[] = [];
  for (const spec of imageSpecs(log)) {
    try {
      if (usesBase(spec) && failed.includes(BASE_TAG)) throw new Error(`not built: ${BASE_TAG} failed`);
      await ensureImage(engine, spec, hashes, log);
    } catch (e) {
      log(`${spec.tag.padEnd(44)} FAILED: ${(e as Error).message}`);
      failed.push(spec.tag);
    }
  }
  writeFileSync(hashFile, JSON.stringify(hashes));
  if (failed.length) throw new Error(`container images not built: ${failed.join(', ')}`);
  log(`container images ready in ${secs(t0)} s (engine ${engine.host})`);
}

// `npx tsx scripts/containers.ts` runs it alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  setupContainers((line) => console.log(`[containers] ${line}`)).catch((e: unknown) => {
    console.error(`containers: ${(e as Error).message}`);
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
