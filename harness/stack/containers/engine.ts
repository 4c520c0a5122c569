/**
 * Which container engine the containers backend talks to, and how to reach it over the
 * Docker API. A Docker engine the user already runs wins (DOCKER_HOST, or the standard
 * /var/run/docker.sock); otherwise it is the podman API service that `npm run setup --
 * --containers` starts on PODMAN_SOCKET. Clients (testcontainers, our image builds) get
 * the same three variables: DOCKER_HOST, Ryuk off (its reaper container needs the engine's
 * socket mounted, which podman's compat socket does not serve reliably; the harness reaps
 * its own containers), and the host override, since podman reports no usable gateway.
 * Kept free of scripts/ so harness code can import it.
 */
import { existsSync, statSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';

export const PODMAN_RUN_DIR = '/run/mcp-harness';
export const PODMAN_SOCKET = `${PODMAN_RUN_DIR}/podman.sock`;
export const DOCKER_SOCKET = '/var/run/docker.sock';

export interface Engine {
  /** A DOCKER_HOST value: unix:///path or tcp://host:port. */
  host: string;
  /** Where it came from: the user's DOCKER_HOST, the standard Docker socket, or our podman service. */
  source: 'DOCKER_HOST' | 'docker.sock' | 'podman';
}

const isSocket = (p: string): boolean => existsSync(p) && statSync(p).isSocket();

/** The engines to try, in order of preference. */
export function engineCandidates(): Engine[] {
  const out: Engine[] = [];
  if (process.env.DOCKER_HOST) out.push({ host: process.env.DOCKER_HOST, source: 'DOCKER_HOST' });
  out.push({ host: `unix://${DOCKER_SOCKET}`, source: 'docker.sock' });
  out.push({ host: `unix://${PODMAN_SOCKET}`, source: 'podman' });
  return out;
}

/** A dispatcher and base URL for a DOCKER_HOST value; undefined for schemes we do not speak (ssh://). */
export function engineEndpoint(host: string): { dispatcher: Agent; base: string } | undefined {
  if (host.startsWith('unix://')) return { dispatcher: new Agent({ connect: { socketPath: host.slice('unix://'.length) } }), base: 'http://localhost' };
  const m = /^(?:tcp|http|https):\/\/(.+)$/.exec(host);
  if (!m) return undefined;
  const tls = host.startsWith('https://') || process.env.DOCKER_TLS_VERIFY === '1';
  return { dispatcher: new Agent(), base: `${tls ? 'https' : 'http'}://${m[1]!.replace(/\/$/, '')}` };
}

export interface EngineResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** One request to the engine's Docker API. The caller consumes or discards the body; the agent is closed after. */
export async function engineRequest(host: string, method: Dispatcher.HttpMethod, path: string, opts: { body?: Dispatcher.DispatchOptions['body']; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<EngineResponse> {
  const ep = engineEndpoint(host);
  if (!ep) throw new Error(`DOCKER_HOST=${host}: only unix:// and tcp:// engines are supported`);
  const timeout = opts.timeoutMs ?? 0;
  try {
    const res = await request(`${ep.base}${path}`, { method, dispatcher: ep.dispatcher, body: opts.body, headers: opts.headers, headersTimeout: timeout, bodyTimeout: timeout });
    const body = res.body;
    // Close the agent once the body is done with, not before: streamed build output still flows.
    const close = () => void ep.dispatcher.close().catch(() => {});
    body.once('close', close);
    body.once('error', close);
    return { status: res.statusCode, headers: res.headers, body };
  } catch (e) {
    await ep.dispatcher.destroy().catch(() => {});
    throw e;
  }
}

/**
 * GET /_ping answered "OK" within the timeout. A missing socket or a refused connection
 * answers at once; the long default is for a live engine that is busy (podman removing a
 * previous run's 27 containers held a ping for over 2 s here, and the run then said no
 * engine answers).
 */
export async function pingEngine(host: string, timeoutMs = 15_000): Promise<boolean> {
  if (host.startsWith('unix://') && !isSocket(host.slice('unix://'.length))) return false;
  try {
    const res = await Promise.race([
      engineRequest(host, 'GET', '/_ping', { timeoutMs }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ping timed out')), timeoutMs).unref()),
    ]);
    const text = await res.body.text();
    return res.status === 200 && text.trim() === 'OK';
  } catch {
    return false;
  }
}

/** "Docker Engine 28.2.2" or "Podman Engine 4.3.1", from GET /version. */
export async function engineName(host: string): Promise<string> {
  try {
    const res = await engineRequest(host, 'GET', '/version', { timeoutMs: 5000 });
    const v = (await res.body.json()) as { Version?: string; Components?: { Name?: string; Version?: string }[] };
    const main = v.Components?.find((c) => /engine/i.test(c.Name ?? '')) ?? { Name: 'engine', Version: v.Version };
    return `${main.Name} ${main.Version ?? v.Version ?? '?'}`;
  } catch (e) {
    return `unknown engine (${(e as Error).message})`;
  }
}

let detected: Engine | undefined;

/** The first candidate that answers (remembered for containerEngineEnv), or undefined. */
export async function detectEngine(): Promise<Engine | undefined> {
  for (const c of engineCandidates()) {
    if (await pingEngine(c.host)) return (detected = c);
    // A DOCKER_HOST the user set is their choice: do not silently fall through to another engine.
    if (c.source === 'DOCKER_HOST' && c.host !== `unix://${PODMAN_SOCKET}`) return undefined;
  }
  return undefined;
}

export async function engineAnswers(): Promise<boolean> {
  return (await detectEngine()) !== undefined;
}

/**
 * The environment for Docker API clients. After engineAnswers()/detectEngine() it names the
 * engine that answered; before, the first candidate whose socket exists (DOCKER_HOST first).
 */
export function containerEngineEnv(): Record<string, string> {
  const engine = detected ?? engineCandidates().find((c) => c.source === 'DOCKER_HOST' || isSocket(c.host.slice('unix://'.length))) ?? { host: `unix://${PODMAN_SOCKET}`, source: 'podman' };
  const env: Record<string, string> = { DOCKER_HOST: engine.host, TESTCONTAINERS_RYUK_DISABLED: 'true' };
  // Published ports are on this machine for a local socket; a remote engine's host is its own.
  if (engine.host.startsWith('unix://')) env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  return env;
}
