/** `--stages 50:20s,100:20s`: constant-rate steps, validated before anything starts. */
import { UsageError } from '../lib/errors.ts';
import { parseDuration } from '../../assertions/duration.ts';

export interface RateStage {
  rate: number;
  durationMs: number;
}

const FIX = 'give comma-separated RATE:DURATION steps, e.g. --stages 50:20s,100:20s,200:20s';

export function parseStages(text: string): RateStage[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) throw new UsageError('is empty', { field: '--stages', fix: FIX });
  return parts.map((p) => {
    const m = /^(\d+):(\S+)$/.exec(p);
    if (!m) throw new UsageError(`cannot read "${p}"`, { field: '--stages', fix: FIX });
    const rate = Number(m[1]);
    if (rate < 1) throw new UsageError(`"${p}": the rate must be at least 1 request/s`, { field: '--stages', fix: FIX });
    let durationMs: number;
    try {
      durationMs = parseDuration(m[2]!);
    } catch {
      throw new UsageError(`"${p}": "${m[2]}" is not a duration`, { field: '--stages', fix: FIX });
    }
    if (durationMs < 1000) throw new UsageError(`"${p}": a step must last at least 1s`, { field: '--stages', fix: FIX });
    return { rate, durationMs };
  });
}
