/** `--reporter list,json,…`, shared by the CLIs that write a run folder. */
import { UsageError } from '../lib/errors.ts';
import { parseReporterList, REPORTER_NAMES, REPORTERS, type ReporterName } from '../../reports/registry.ts';

export function reporterOption(value: string | undefined): ReporterName[] {
  if (value === undefined) return [...REPORTER_NAMES];
  const { names, unknown } = parseReporterList(value);
  if (unknown.length || !names.length) throw new UsageError(`unknown reporter${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}`, { field: '--reporter', fix: `a comma-separated list of: ${REPORTER_NAMES.map((n) => `${n} (${REPORTERS[n].describe})`).join(', ')}` });
  return names;
}
