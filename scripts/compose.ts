/**
 * `npm run compose`: writes docker-compose.test.yml (the monitoring/ folder, port offset 0,
 * upstream images) from versions.json and the port plan, and builds the fake services'
 * bundle it runs (.cache/fleet/current.mjs). `--check` only compares: exit 1 when the
 * committed file differs from what would be written.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../harness/lib/paths.ts';
import { COMPOSE_FILE, renderComposeFile } from '../harness/stack/containers/compose-file.ts';
import { displayPath, ensureFleetBundle } from '../harness/stack/fleet-bundle.ts';

/** The committed file's text: the bundled monitoring/ folder at the port plan's own ports. */
export const committedComposeText = (): string => renderComposeFile({ monitoringDir: 'monitoring', portOffset: 0 });

async function main(argv: string[]): Promise<number> {
  const file = join(REPO_ROOT, COMPOSE_FILE);
  const text = committedComposeText();
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    // not there yet
  }
  if (argv.includes('--check')) {
    console.log(old === text ? `${COMPOSE_FILE} is up to date` : `${COMPOSE_FILE} differs from what versions.json and the port plan generate: run \`npm run compose\``);
    return old === text ? 0 : 1;
  }
  if (old !== text) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  console.log(`${COMPOSE_FILE}: ${old === text ? 'unchanged' : 'written'}`);
  console.log(`fake-service bundle: ${displayPath(await ensureFleetBundle())} (run as .cache/fleet/current.mjs)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`compose: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
