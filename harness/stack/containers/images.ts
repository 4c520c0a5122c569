/**
 * Which image each component runs on the containers backend, from the one manifest
 * (versions.json): the upstream image users pull, or the local image `npm run setup --
 * --containers` builds with the same container contract. AGPL components have only their
 * upstream image: the project never builds them.
 */
import { UsageError } from '../../lib/errors.ts';
import { request } from 'undici';
import { loadManifest } from '../../lib/manifest.ts';

export type ImageSource = 'upstream' | 'local';
export type ImageComponent = 'prometheus' | 'alertmanager' | 'victorialogs' | 'otelcol' | 'mosquitto' | 'postgres' | 'redis' | 'postgres-exporter' | 'redis-exporter' | 'node' | 'loki' | 'promtail' | 'grafana';

interface Entry {
  image?: string;
  localImage?: { tag: string; recipe: string };
  license?: string;
}

function entryOf(name: ImageComponent): Entry | undefined {
  const m = loadManifest();
  if (name === 'node') return m.node;
  return m.go[name] ?? m.collector[name] ?? m.debian[name] ?? m.userSupplied[name];
}

/** The image reference for a component, or a UsageError saying why there is none and what to do. */
export function imageFor(name: ImageComponent, source: ImageSource): string {
  const e = entryOf(name);
  if (!e) throw new Error(`versions.json has no entry for ${name}`);
  if (source === 'upstream') {
    if (!e.image) throw new UsageError(`versions.json names no upstream image for ${name}`, { file: 'versions.json', field: `${name}.image`, fix: 'add the image users pull, e.g. prom/prometheus:v3.16.0' });
    return e.image;
  }
  if (!e.localImage) {
    const agpl = e.license?.startsWith('AGPL');
    throw new UsageError(`${name} has no local image${agpl ? ` (it is ${e.license}: this project never builds it)` : ''}`, { field: '--images', fix: agpl ? `use --images upstream on an engine that can pull ${e.image ?? name}` : `add a recipe in containers/recipes/${name}/ and its localImage in versions.json` });
  }
  return e.localImage.tag;
}

/**
 * Without --images: upstream when the engine can pull (Docker Hub answers within 2 s),
 * local otherwise (as here, where no registry is reachable).
 */
export async function defaultImageSource(): Promise<ImageSource> {
  try {
    const res = await request('https://registry-1.docker.io/v2/', { method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
    await res.body.dump();
    return 'upstream';
  } catch {
    return 'local';
  }
}
