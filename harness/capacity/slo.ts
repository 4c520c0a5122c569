/**
 * The SLO a capacity run holds the target to, from `--slo p99<500ms,errors<1%`, and the
 * judgement of one step against it. The load tool's own numbers decide (the client's view);
 * the monitoring's view is checked separately, as truth, not as the SLO.
 */
import { UsageError } from '../lib/errors.ts';
import { parseDuration } from '../../assertions/duration.ts';
import type { CapacitySlo } from '../events/capacity.ts';

export const DEFAULT_SLO = 'p99<500ms,errors<1%';
const FIX = 'write it as comma-separated limits, e.g. --slo "p99<500ms,errors<1%" (p99 with a duration, errors with a percentage)';

/** Parses the SLO option; any unknown or malformed term is a UsageError naming `--slo`. */
export function parseSlo(text: string): CapacitySlo {
  const slo: CapacitySlo = {};
  const terms = text.split(',').map((t) => t.trim()).filter(Boolean);
  if (!terms.length) throw new UsageError('is empty', { field: '--slo', fix: FIX });
  for (const term of terms) {
    const latency = /^p99\s*<\s*(\S+)$/.exec(term);
    const errors = /^errors\s*<\s*([\d.]+)\s*%$/.exec(term);
    if (latency) {
      let ms: number;
      try {
        ms = parseDuration(latency[1]!);
      } catch {
        throw new UsageError(`"${latency[1]}" in "${term}" is not a duration`, { field: '--slo', fix: FIX });
      }
      if (ms <= 0) throw new UsageError(`"${term}": the latency limit must be above 0`, { field: '--slo', fix: FIX });
      slo.p99Ms = ms;
    } else if (errors) {
      const pct = Number(errors[1]);
      if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new UsageError(`"${term}": the error limit must be a percentage from 0 to 100`, { field: '--slo', fix: FIX });
      slo.errorRatio = pct / 100;
    } else {
      throw new UsageError(`cannot read "${term}"`, { field: '--slo', fix: FIX });
    }
  }
  return slo;
}

export function describeSlo(slo: CapacitySlo): string {
  const parts: string[] = [];
  if (slo.p99Ms !== undefined) parts.push(`p99 < ${slo.p99Ms} ms`);
  if (slo.errorRatio !== undefined) parts.push(`errors < ${+(slo.errorRatio * 100).toFixed(4)} %`);
  return parts.join(', ') || 'none';
}

/** Which limits a step broke, as readable lines; empty when it held. */
export function sloBreaches(slo: CapacitySlo, observed: { p99Ms: number; errorRatio: number }): string[] {
  const out: string[] = [];
  if (slo.p99Ms !== undefined && !(observed.p99Ms < slo.p99Ms)) out.push(`p99 ${observed.p99Ms.toFixed(1)} ms ≥ ${slo.p99Ms} ms`);
  if (slo.errorRatio !== undefined && !(observed.errorRatio < slo.errorRatio)) out.push(`errors ${(observed.errorRatio * 100).toFixed(2)} % ≥ ${+(slo.errorRatio * 100).toFixed(4)} %`);
  return out;
}
