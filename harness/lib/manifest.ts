/** The one manifest of pinned versions and licences (versions.json), typed. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './paths.ts';

/** An image built here with the upstream image's container contract (containers/recipes/); AGPL components have none. */
const LocalImage = z.object({ tag: z.string(), recipe: z.string() });

const GoComponent = z.object({
  version: z.string(),
  module: z.string(),
  moduleVersion: z.string(),
  wrapper: z.string(),
  packages: z.array(z.string()).min(1),
  binaries: z.array(z.string()).min(1),
  versionVar: z.string(),
  /** What the version variable is set to, when the binary expects more than the bare version. */
  versionValue: z.string().optional(),
  envVar: z.string(),
  image: z.string().optional(),
  localImage: LocalImage.optional(),
  license: z.string(),
  embedPlaceholders: z.array(z.string()).optional(),
});

/** A binary the OpenTelemetry Collector builder assembles from the modules its config names. */
const CollectorComponent = z.object({
  version: z.string(),
  builderModule: z.string(),
  builderVersion: z.string(),
  config: z.string(),
  binaries: z.array(z.string()).length(1),
  envVar: z.string(),
  image: z.string().optional(),
  localImage: LocalImage.optional(),
  license: z.string(),
});

const DebianComponent = z.object({
  package: z.string(),
  binary: z.string(),
  paths: z.array(z.string()),
  image: z.string().optional(),
  localImage: LocalImage.optional(),
  license: z.string(),
});

/** AGPL components: never built, downloaded or shipped; used when the user names a binary. */
const UserSuppliedComponent = z.object({
  version: z.string(),
  binaries: z.array(z.string()).min(1),
  envVar: z.string(),
  image: z.string(),
  license: z.string(),
  how: z.string(),
});

const Manifest = z.object({
  node: z.object({ version: z.string(), license: z.string(), image: z.string().optional(), localImage: LocalImage.optional() }),
  go: z.record(z.string(), GoComponent),
  collector: z.record(z.string(), CollectorComponent),
  debian: z.record(z.string(), DebianComponent),
  userSupplied: z.record(z.string(), UserSuppliedComponent),
});

export type GoComponentSpec = z.infer<typeof GoComponent>;
export type CollectorComponentSpec = z.infer<typeof CollectorComponent>;
export type DebianComponentSpec = z.infer<typeof DebianComponent>;
export type UserSuppliedSpec = z.infer<typeof UserSuppliedComponent>;
export type VersionManifest = z.infer<typeof Manifest>;

let cached: VersionManifest | undefined;

export function loadManifest(): VersionManifest {
  cached ??= Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, 'versions.json'), 'utf8')));
  return cached;
}
