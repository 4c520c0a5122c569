/**
 * The one seam where a run picks its backend: native processes or containers. Both give
 * the EnvironmentHandle the engine, chaos and assertions use; nothing above this file
 * knows which one runs.
 */
import { UsageError } from '../lib/errors.ts';
import { startEnvironment, DEFAULT_SEED, DEFAULT_TRAFFIC_RATE, type EnvironmentOptions } from './environment.ts';
import { startBackgroundTraffic } from './traffic.ts';
import { startContainersEnvironment } from './containers/containers-stack.ts';
import type { ImageSource } from './containers/images.ts';
import type { EnvironmentHandle } from './handles.ts';

export const BACKENDS = ['native', 'containers'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface RunningEnvironment extends EnvironmentHandle {
  readonly backend: BackendName;
  stop(): Promise<{ leftoverPorts: number[] }>;
}

export function backendOption(value: string | undefined): BackendName {
  const v = value ?? 'native';
  if (!(BACKENDS as readonly string[]).includes(v)) throw new UsageError(`unknown backend "${v}"`, { field: '--backend', fix: 'native (processes on 127.0.0.1) or containers (Docker, or the podman that `npm run setup -- --containers` installs)' });
  return v as BackendName;
}

/** --images as given; undefined lets the backend choose (defaultImageSource). */
export function imagesOption(value: string | undefined): ImageSource | undefined {
  if (value === undefined) return undefined;
  const v = value;
  if (v !== 'local' && v !== 'upstream') throw new UsageError(`unknown image source "${v}"`, { field: '--images', fix: 'local (built by `npm run setup -- --containers` with the upstream contract) or upstream (prom/prometheus and the rest, pulled by your engine)' });
  return v;
}

export async function startBackend(backend: BackendName, opts: EnvironmentOptions & { images?: ImageSource }): Promise<RunningEnvironment> {
  if (backend === 'native') return Object.assign(await startEnvironment(opts), { backend });
  const seed = opts.seed ?? DEFAULT_SEED;
  const env = await startContainersEnvironment({ ...opts, seed, services: opts.services !== false });
  const rate = opts.services === false ? 0 : (opts.trafficRate ?? DEFAULT_TRAFFIC_RATE);
  const traffic = rate > 0 ? startBackgroundTraffic(env.stack.topology, { seed, ratePerSecond: rate }) : undefined;
  return {
    backend,
    stack: env.stack,
    fleet: env.fleet,
    seed,
    async stop() {
      await traffic?.stop();
      return env.stop();
    },
  };
}
