/**
 * npm run check [-- --monitoring-dir DIR] [--compose FILE]
 *
 * The seed's monitoring health check (its scripts/monitoring-health-check.sh), done with
 * the real tools: config files present and valid; promtool check config / check rules,
 * amtool check-config, loki -verify-config, promtail -check-syntax on a rendered copy;
 * the required scrape jobs; every MCP service scraped with its labels; every dashboard
 * panel's datasource provisioned and query parsing; and, with --compose, the Compose
 * services and ports against the port plan. Each finding names the file, the key and why.
 * Exit 0 clean, 1 on findings, 2 on usage errors.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { runCommand } from '../lib/cli-errors.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { runChecks } from '../check/run.ts';
import { formatFinding } from '../check/findings.ts';
import { checkContainersBackend } from '../check/containers.ts';
import { backendOption, imagesOption } from '../stack/backend.ts';
import { defaultImageSource } from '../stack/containers/images.ts';

interface CheckCliOptions {
  backend?: string;
  images?: string;
  monitoringDir?: string;
  compose?: string;
  json?: boolean;
}

async function main(o: CheckCliOptions): Promise<void> {
  const monitoringDir = o.monitoringDir ?? join(REPO_ROOT, 'monitoring');
  const backend = backendOption(o.backend);
  const images = imagesOption(o.images);
  const results = runChecks({ monitoringDir, compose: o.compose });
  if (backend === 'containers') results.push(await checkContainersBackend(monitoringDir, images ?? (await defaultImageSource())));
  const findings = results.flatMap((r) => r.findings);
  if (o.json) {
    console.log(JSON.stringify({ monitoringDir, compose: o.compose ?? null, ok: findings.length === 0, results }, null, 2));
  } else {
    console.log(`Checking ${monitoringDir}${o.compose ? ` and ${o.compose}` : ''}`);
    for (const r of results) {
      const mark = r.skipped ? '-' : r.findings.length || r.failedAsAbove ? '✗' : '✓';
      const outcome = r.skipped ? `: skipped, ${r.skipped}` : r.findings.length ? `: ${r.findings.length} finding(s)` : r.failedAsAbove ? ': fails on the problem(s) reported above' : '';
      console.log(`  ${mark} ${r.name}${r.detail ? ` (${r.detail})` : ''}${outcome}`);
    }
    if (findings.length) {
      console.log(`\n${findings.length} finding(s):`);
      for (const f of findings) console.log(`  ${formatFinding(f).split('\n').join('\n  ')}`);
    }
    console.log(findings.length ? '\nFAIL' : '\nOK: no findings');
  }
  process.exit(findings.length ? 1 : 0);
}

const program = new Command('check')
  .description("The seed's monitoring health check with the real tools (promtool, amtool, loki, promtail) and the port plan")
  .option('--monitoring-dir <dir>', 'the monitoring folder under test (default: the bundled monitoring/)')
  .option('--compose <file>', 'also check this Docker Compose file against the port plan')
  .option('--json', 'print the results as JSON')
  .option('--backend <name>', 'native (the default), or containers: also check the engine answers and has every image the folder needs')
  .option('--images <source>', 'with --backend containers: local (the default) or upstream')
  .exitOverride()
  .action((o: CheckCliOptions) => main(o));

runCommand(program, 'check');
