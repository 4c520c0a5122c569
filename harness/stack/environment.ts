/**
 * Everything a run needs, started in order and stopped in reverse: the monitoring
 * stack, then (unless --no-services) the fake-service fleet and background traffic.
 * `stack up` and `scenario` both start one of these.
 */
import { NativeStack, type NativeStackOptions, type StartedNativeStack } from './native-stack.ts';
import { Fleet, FLEET_DEPENDENCIES, type StartedFleet } from './fleet.ts';
import { startBackgroundTraffic, type BackgroundTraffic } from './traffic.ts';
import type { EnvironmentHandle } from './handles.ts';

export interface EnvironmentOptions extends NativeStackOptions {
  services?: boolean;
  seed?: number;
  /** Background traffic, total requests/s across all services; 0 for none. */
  trafficRate?: number;
}

export interface StartedEnvironment extends EnvironmentHandle {
  stack: StartedNativeStack;
  fleet?: StartedFleet;
  traffic?: BackgroundTraffic;
  seed: number;
  stop(): Promise<{ leftoverPorts: number[] }>;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_TRAFFIC_RATE = 40;

export async function startEnvironment(opts: EnvironmentOptions): Promise<StartedEnvironment> {
  const seed = opts.seed ?? DEFAULT_SEED;
  let fleet: StartedFleet | undefined;
  let traffic: BackgroundTraffic | undefined;
  const withServices = opts.services !== false;
  const stack = await new NativeStack({
    ...opts,
    alsoStart: withServices
      ? [
          {
            name: 'fake-services',
            ...FLEET_DEPENDENCIES,
            start: async (s) => {
              fleet = await new Fleet(s, { seed, onProgress: opts.onProgress }).start();
            },
          },
        ]
      : [],
  }).start();
  const stop = async (): Promise<{ leftoverPorts: number[] }> => {
    await traffic?.stop();
    await fleet?.stop();
    return stack.stop();
  };
  try {
    if (withServices) {
      const rate = opts.trafficRate ?? DEFAULT_TRAFFIC_RATE;
      if (rate > 0) traffic = startBackgroundTraffic(stack.topology, { seed, ratePerSecond: rate });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { stack, fleet, traffic, seed, stop };
}
