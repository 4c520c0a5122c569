/**
 * `check --backend containers`: what a containers run of this folder needs before it can
 * start: an engine that answers, and an image for every component the folder uses (the
 * local ones setup builds, or the upstream ones the engine has pulled).
 */
import { detectEngine, engineRequest } from '../stack/containers/engine.ts';
import { imageFor, type ImageComponent, type ImageSource } from '../stack/containers/images.ts';
import { detectLogPipeline } from '../plan/log-pipeline.ts';
import { UsageError } from '../lib/errors.ts';
import type { CheckResult } from './run.ts';
import type { Finding } from './findings.ts';

const CORE: ImageComponent[] = ['prometheus', 'alertmanager', 'mosquitto', 'postgres', 'redis', 'postgres-exporter', 'redis-exporter', 'node'];

export async function checkContainersBackend(monitoringDir: string, images: ImageSource): Promise<CheckResult> {
  const name = `containers backend (${images} images)`;
  const engine = await detectEngine();
  const check = 'containers backend';
  if (!engine) return { name, findings: [{ check, file: '(engine)', key: 'DOCKER_HOST', why: 'no container engine answers (no DOCKER_HOST, no /var/run/docker.sock, no podman API service)', fix: 'run `npm run setup -- --containers`, or start Docker' }] };
  const pipeline = detectLogPipeline(monitoringDir);
  const wanted: ImageComponent[] = [...CORE, pipeline.store as ImageComponent, pipeline.shipper as ImageComponent];
  const findings: Finding[] = [];
  for (const component of wanted) {
    let ref: string;
    try {
      ref = imageFor(component, images);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      findings.push({ check, file: 'versions.json', key: component, why: e.message.split('\n')[0]!, fix: e.details.fix });
      continue;
    }
    const res = await engineRequest(engine.host, 'GET', `/images/${encodeURIComponent(ref)}/json`);
    await res.body.dump();
    if (res.status !== 200) findings.push({ check, file: 'versions.json', key: component, why: `image ${ref} is not on the engine (${engine.host})`, fix: images === 'local' ? 'build the local images: npm run setup -- --containers' : `pull it: docker pull ${ref}` });
  }
  return { name, findings, detail: `engine ${engine.host}; ${wanted.length} images` };
}
