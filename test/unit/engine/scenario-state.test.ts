/**
 * Scenarios keep no state between runs: no module-level `let`, no module-level object
 * built with `new` (a log window, a panel memory), and a stateful scenario is a factory
 * that gives each load its own instance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadScenario, scenarioNames, SCENARIO_DIR } from '../../../harness/engine/load.ts';

function moduleLevelState(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  for (const st of src.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const isLet = (st.declarationList.flags & ts.NodeFlags.Let) !== 0;
    for (const d of st.declarationList.declarations) {
      const name = d.name.getText(src);
      if (isLet) found.push(`let ${name}`);
      else if (d.initializer && ts.isNewExpression(d.initializer)) found.push(`const ${name} = new ${d.initializer.expression.getText(src)}(…)`);
      else if (d.initializer && ts.isCallExpression(d.initializer) && d.initializer.expression.getText(src) === 'Date.now') found.push(`const ${name} = Date.now()`);
    }
  }
  return found;
}

describe('scenario state', () => {
  it.each(scenarioNames())('%s keeps no module-level state', (name) => {
    expect(moduleLevelState(join(SCENARIO_DIR, `${name}.ts`))).toEqual([]);
  });

  it('the detector finds what it looks for', () => {
    const file = join(import.meta.dirname, '../../fixtures/stateful-scenario.ts.txt');
    expect(moduleLevelState(file)).toEqual(['let originals', 'const win = new LogWindow(…)', 'const t0 = Date.now()']);
  });

  it('each load of a stateful scenario has its own instance', async () => {
    const a = await loadScenario('log-burst');
    const b = await loadScenario('log-burst');
    expect(a.scenario).not.toBe(b.scenario);
    expect(a.scenario.method[0]).not.toBe(b.scenario.method[0]);
  });
});
