/** The one manifest of pinned versions (versions.json), typed. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './paths.ts';

const GoComponent = z.object({
  version: z.string(),
  module: z.string(),
  moduleVersion: z.string(),
  wrapper: z.string(),
  packages: z.array(z.string()).min(1),
  binaries: z.array(z.string()).min(1),
  versionVar: z.string(),
  envVar: z.string(),
  image: z.string().optional(),
  promtailImage: z.string().optional(),
  embedPlaceholders: z.array(z.string()).optional(),
});

const DebianComponent = z.object({
  package: z.string(),
  binary: z.string(),
  paths: z.array(z.string()),
  image: z.string().optional(),
});

const Manifest = z.object({
  node: z.object({ version: z.string() }),
  go: z.record(z.string(), GoComponent),
  debian: z.record(z.string(), DebianComponent),
});

export type GoComponentSpec = z.infer<typeof GoComponent>;
export type DebianComponentSpec = z.infer<typeof DebianComponent>;
export type VersionManifest = z.infer<typeof Manifest>;

let cached: VersionManifest | undefined;

export function loadManifest(): VersionManifest {
  cached ??= Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, 'versions.json'), 'utf8')));
  return cached;
}
