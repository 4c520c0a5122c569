/**
 * Finds, loads and validates scenario files before anything starts: the shape (zod),
 * every duration, and every PromQL/LogQL query through the official grammars. A bad
 * scenario is one UsageError naming the file, the field and the fix.
 */
import { readdirSync, existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../lib/errors.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { QuerySyntaxError, validateQuery } from '../../assertions/query-language.ts';
import { parseDuration } from '../../assertions/duration.ts';
import type { Scenario, Step } from './scenario.ts';
import type { Check } from './checks.ts';

export const SCENARIO_DIR = join(REPO_ROOT, 'scenarios');

export function scenarioNames(dir = SCENARIO_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .map((f) => basename(f, '.ts'))
    .sort();
}

const durationSchema = z.union([
  z.string().refine((d) => {
    try {
      parseDuration(d);
      return true;
    } catch {
      return false;
    }
  }, 'expected a duration like "30s", "5m" or "1h30m"'),
  z.function(),
]);

const checkSchema = z.object({ title: z.string().min(1), queries: z.array(z.object({ language: z.enum(['promql', 'logql']), expr: z.string() })), probe: z.function() }).loose();

const stepSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('expect'), mode: z.enum(['eventually', 'always', 'never', 'holdsFor']), check: checkSchema, within: durationSchema.optional(), during: durationSchema.optional(), duration: durationSchema.optional(), title: z.string().optional() }),
  z.object({ type: z.literal('fault'), key: z.string(), module: z.object({ kind: z.string() }).loose(), params: z.unknown(), label: z.string() }),
  z.object({ type: z.literal('clear'), key: z.string() }),
  z.object({ type: z.literal('wait'), duration: durationSchema, reason: z.string() }),
  z.object({ type: z.literal('load'), key: z.string(), service: z.string(), ratePerSecond: z.number().min(0).max(2000), stop: z.boolean().optional() }),
  z.object({ type: z.literal('alert-lifecycle'), alertname: z.string(), labels: z.record(z.string(), z.string()), job: z.string().optional(), extra: durationSchema.optional() }),
  z.object({ type: z.literal('custom'), title: z.string(), run: z.function() }),
]);

const scenarioSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
  title: z.string().min(1),
  description: z.string(),
  steadyState: z.array(checkSchema),
  method: z.array(stepSchema).min(1, 'a scenario needs at least one step'),
  rollbacks: z.array(stepSchema),
  expectedAlerts: z.array(z.object({ alertname: z.string(), labels: z.record(z.string(), z.string()).optional() })),
  needsServices: z.boolean().optional(),
  nominalDuration: z.string().optional(),
});

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

export async function loadScenario(nameOrFile: string): Promise<LoadedScenario> {
  const file = nameOrFile.endsWith('.ts') ? resolve(nameOrFile) : join(SCENARIO_DIR, `${nameOrFile}.ts`);
  const rel = file.startsWith(REPO_ROOT) ? file.slice(REPO_ROOT.length + 1) : file;
  if (!existsSync(file)) throw new UsageError(`no scenario named "${nameOrFile}"`, { file: rel, fix: `choose one of: ${scenarioNames().join(', ')} (npm run scenario -- --list)` });
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    throw new UsageError(`cannot load: ${(e as Error).message.split('\n')[0]}`, { file: rel, fix: 'correct the TypeScript in the scenario file' });
  }
  if (!mod.default) throw new UsageError('has no default export', { file: rel, fix: 'export default defineScenario({ ... })' });
  let instance: unknown;
  try {
    instance = typeof mod.default === 'function' ? (mod.default as () => unknown)() : mod.default;
  } catch (e) {
    throw new UsageError(`its definition threw: ${(e as Error).message.split('\n')[0]}`, { file: rel, fix: 'correct the scenario file' });
  }
  const parsed = scenarioSchema.safeParse(instance);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(issue.message, { file: rel, field: fieldPath(issue.path), fix: 'see harness/engine/scenario.ts for the scenario model' });
  }
  const scenario = instance as Scenario;
  if (scenario.name !== basename(file, '.ts')) throw new UsageError(`name "${scenario.name}" differs from the file name`, { file: rel, field: 'name', fix: `name it "${basename(file, '.ts')}"` });
  validateQueries(scenario, rel);
  return { file: rel, scenario };
}

function fieldPath(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

function checksOf(step: Step): Check[] {
  return step.type === 'expect' ? [step.check] : [];
}

/** Every query of every check, parsed with the official grammar; the first error names its field. */
export function validateQueries(s: Scenario, file: string): void {
  const visit = (checks: Check[], field: string) => {
    checks.forEach((c) =>
      c.queries.forEach((q) => {
        try {
          validateQuery(q.language, q.expr, { file, field });
        } catch (e) {
          if (e instanceof QuerySyntaxError) throw new UsageError(e.message);
          throw e;
        }
      }),
    );
  };
  visit(s.steadyState, 'steadyState');
  s.method.forEach((st, i) => visit(checksOf(st), `method[${i}].check`));
  s.rollbacks.forEach((st, i) => visit(checksOf(st), `rollbacks[${i}].check`));
}
