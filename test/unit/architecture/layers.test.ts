/**
 * The one way through the house, checked on the real import graph (dependency-cruiser,
 * with type-only imports counted): no cycles, no layer importing a higher one, reporters
 * fed by the event contract alone. And the rules themselves can fail: a planted upward
 * import is caught.
 */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';

const rules = createRequire(import.meta.url)(join(REPO_ROOT, '.dependency-cruiser.cjs')) as Record<string, unknown>;
const ROOTS = ['harness', 'assertions', 'reports', 'scenarios', 'fake-services', 'bench', 'scripts'];

async function violations(cwd: string, roots: string[]): Promise<string[]> {
  const prev = process.cwd();
  process.chdir(cwd);
  try {
    const r = await cruise(roots, { validate: true, ruleSet: rules as never, ...(rules.options as object) });
    const out = r.output as ICruiseResult;
    return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`);
  } finally {
    process.chdir(prev);
  }
}

describe('the import graph', () => {
  it('has no cycle and no upward import', async () => {
    expect(await violations(REPO_ROOT, ROOTS)).toEqual([]);
  }, 60_000);

  it('catches a planted upward import and a planted cycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layers-'));
    try {
      for (const d of ['harness/events', 'harness/stack', 'reports']) mkdirSync(join(dir, d), { recursive: true });
      cpSync(join(REPO_ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
      writeFileSync(join(dir, 'harness/stack/handles.ts'), "export interface H { x: number }\n");
      writeFileSync(join(dir, 'harness/events/run-events.ts'), "import type { H } from '../stack/handles.ts';\nexport type E = H;\n");
      writeFileSync(join(dir, 'reports/a.ts'), "import { b } from './b.ts';\nimport type { H } from '../harness/stack/handles.ts';\nexport const a = (h: H) => b(h);\n");
      writeFileSync(join(dir, 'reports/b.ts'), "import { a } from './a.ts';\nexport const b = (x: unknown) => a(x as never);\n");
      const found = await violations(dir, ['harness', 'reports']);
      expect(found.some((v) => v.startsWith('layer-1-imports-upward: harness/events/run-events.ts → harness/stack/handles.ts'))).toBe(true);
      expect(found.some((v) => v.startsWith('reporters-see-only-events: reports/a.ts → harness/stack/handles.ts'))).toBe(true);
      expect(found.some((v) => v.startsWith('no-circular'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
