/**
 * What survives a component's container being recreated: the named volumes the platform's
 * Compose file mounts. A path in a container outside them lives in the container's own
 * filesystem: kept across a restart, gone when the container is recreated; /dev/null keeps
 * nothing. The render keeps that meaning when it moves a path natively, and the containers
 * backend mounts exactly these as the run's persistent folders.
 */
import { join } from 'node:path';
import type { ComponentName } from './port-plan.ts';

export const COMPOSE_VOLUMES: Partial<Record<ComponentName, readonly string[]>> = {
  prometheus: ['/prometheus'],
  alertmanager: ['/alertmanager'],
  loki: ['/loki'],
  grafana: ['/var/lib/grafana'],
  postgres: ['/var/lib/postgresql/data'],
  victorialogs: ['/victoria-logs-data'],
  otelcol: ['/var/lib/otelcol'],
};

export type Storage = 'persistent' | 'ephemeral' | 'discard';

const under = (p: string, root: string): boolean => p === root || p.startsWith(`${root}/`);

export function storageOf(component: ComponentName, containerPath: string): Storage {
  if (containerPath === '/dev/null') return 'discard';
  return (COMPOSE_VOLUMES[component] ?? []).some((v) => under(containerPath, v)) ? 'persistent' : 'ephemeral';
}

/** Where a component's container-filesystem paths go natively: wiped whenever its container would be recreated. */
export function ephemeralDir(dataDir: string, component: ComponentName): string {
  return join(dataDir, component, 'ephemeral');
}

/**
 * The native stand-in for a container path, keeping its meaning: a volume path under the
 * component's persistent run folder, any other path under its ephemeral folder, and
 * /dev/null as itself (undefined: no rewrite).
 */
export function nativeDataPath(dataDir: string, component: ComponentName, containerPath: string): { path?: string; storage: Storage } {
  const storage = storageOf(component, containerPath);
  if (storage === 'discard') return { storage };
  if (storage === 'persistent') {
    const root = COMPOSE_VOLUMES[component]!.find((v) => under(containerPath, v))!;
    return { path: join(dataDir, component, containerPath.slice(root.length)), storage };
  }
  return { path: join(ephemeralDir(dataDir, component), containerPath), storage };
}
