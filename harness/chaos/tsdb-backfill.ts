/**
 * Samples backfilled into Prometheus's TSDB as blocks, then a restart (opening the TSDB
 * loads them and applies retention). promtool writes into a staging folder beside the
 * TSDB; each finished block is renamed in (atomic: Prometheus never sees half a block).
 * Clearing deletes whichever of those blocks retention left and restarts, so the next
 * scenario starts without them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveBinary } from '../stack/binaries.ts';
import type { FaultModule } from './fault-module.ts';

export interface TsdbBackfillParams {
  /** An OpenMetrics text (ending in `# EOF`) as promtool reads it. */
  openMetrics: string;
  /** What it holds, for the report ("harness_retention_probe 20d and 10d old"). */
  describe: string;
}

export const tsdbBackfill: FaultModule<TsdbBackfillParams> = {
  kind: 'tsdb-backfill',
  describe: (p) => `backfill ${p.describe} with promtool tsdb create-blocks-from openmetrics; restart Prometheus`,
  async inject(ctx, p): Promise<string[]> {
    const dataDir = ctx.env.stack.topology.dataDir;
    const tsdb = join(dataDir, 'prometheus');
    const staging = mkdtempSync(join(dataDir, 'backfill-'));
    const added: string[] = [];
    try {
      const input = join(staging, 'input.om');
      writeFileSync(input, p.openMetrics);
      const out = join(staging, 'blocks');
      mkdirSync(out);
      await promisify(execFile)(resolveBinary('promtool').path, ['tsdb', 'create-blocks-from', 'openmetrics', input, out], { timeout: 60_000 });
      for (const b of readdirSync(out)) {
        renameSync(join(out, b), join(tsdb, b));
        added.push(join(tsdb, b));
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    await ctx.env.stack.restartComponent('prometheus');
    return added;
  },
  async clear(ctx, _p, handle) {
    const left = ((handle as string[] | undefined) ?? []).filter((b) => existsSync(b));
    if (!left.length) return;
    // Blocks are immutable once written; removing them under a running Prometheus is safe on
    // Linux, and the restart reopens the TSDB without them.
    for (const b of left) rmSync(b, { recursive: true, force: true });
    await ctx.env.stack.restartComponent('prometheus');
  },
};
