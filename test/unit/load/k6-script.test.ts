/**
 * The rendered k6 script type-checks against @types/k6 (so it uses the k6 API as it is
 * published) and sends exactly the requests plan.ts expands, in the same order. k6 itself is
 * AGPL and never run here: the script is checked by the TypeScript compiler and by running its
 * default function with stand-ins for the k6 modules.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { expandPlan, parsePlan } from '../../../harness/load/plan.ts';
import { renderK6Script } from '../../../harness/load/k6-script.ts';

const plan = parsePlan({
  stages: [{ rate: 20, duration: '1s' }, { rate: 20, duration: '500ms' }, { rate: 40, duration: '1s' }],
  targets: [{ url: 'http://127.0.0.1:7001/mcp', weight: 2 }, { url: 'http://127.0.0.1:7002/mcp', weight: 1 }],
  requestMix: [{ tool: 'run_command', weight: 3, args: { command: 'echo "hi"', n: 1 } }, { tool: 'get_working_directory', weight: 1 }],
  thresholds: { p99Ms: 400, errorRatio: 0.02 },
  seed: 7,
});
const script = renderK6Script(plan, { timeoutMs: 5000 });

const K6_TYPES = join(REPO_ROOT, 'node_modules', '@types', 'k6');

/** TypeScript diagnostics of a k6 script checked as strict JavaScript against @types/k6. */
function k6Diagnostics(source: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'k6-script-'));
  try {
    const file = join(dir, 'script.js');
    writeFileSync(file, source);
    const program = ts.createProgram([file], {
      allowJs: true,
      checkJs: true,
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2020.d.ts'],
      types: [],
      // The script lives outside the repo, so point the k6 modules at @types/k6 directly.
      paths: { k6: [join(K6_TYPES, 'index.d.ts')], 'k6/*': [join(K6_TYPES, '*')] },
    });
    return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? `${d.file.fileName.replace(dir, '')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('renderK6Script: types', () => {
  it('type-checks against @types/k6 with no diagnostics', () => {
    expect(k6Diagnostics(script)).toEqual([]);
  }, 60_000);

  it.each([
    ['a misspelt k6 API', 'http.post(', 'http.psot('],
    ['a misspelt executor', "\"ramping-arrival-rate\"", "\"ramping-arival-rate\""],
    ['a missing k6 module', "from 'k6/execution'", "from 'k6/executions'"],
  ])('reports %s', (_what, from, to) => {
    expect(script).toContain(from);
    expect(k6Diagnostics(script.replace(from, to)).length).toBeGreaterThan(0);
  }, 60_000);
});

interface Post {
  url: string;
  body: string;
  params: { headers: Record<string, string>; timeout: string };
}

/** Loads the script with stand-ins for the k6 modules; `iterate(i)` runs iteration i. */
function load(source: string) {
  const posts: Post[] = [];
  const exec = { scenario: { iterationInTest: 0 } };
  const http = { post: (url: string, body: string, params: Post['params']) => (posts.push({ url, body, params }), { status: 200 }) };
  const check = () => true;
  // A SharedArray built once; `new` of a constructor returning an object yields that object.
  const SharedArray = function (_name: string, build: () => unknown[]) {
    return build();
  };
  const body = source
    .replace(/^import .*$/gm, '')
    .replace('export const options', 'const options')
    .replace('export default function ()', 'function main()');
  const mod = new Function('http', 'check', 'exec', 'SharedArray', `${body}\nreturn { options, main };`)(http, check, exec, SharedArray) as { options: Record<string, unknown>; main: () => void };
  return {
    options: mod.options,
    posts,
    iterate(i: number) {
      exec.scenario.iterationInTest = i;
      mod.main();
    },
  };
}

describe('renderK6Script: behaviour', () => {
  it('sends the same requests as plan.ts, in the same order', () => {
    const planned = expandPlan(plan).flat();
    const k6 = load(script);
    planned.forEach((_, i) => k6.iterate(i));
    expect(k6.posts.map((p) => ({ url: p.url, body: p.body, headers: p.params.headers }))).toEqual(planned.map((r) => ({ url: r.url, body: r.body, headers: r.headers })));
    expect(k6.posts[0]!.params.timeout).toBe('5000ms');
  });

  it('turns each plan stage into a constant-rate step of the ramping-arrival-rate executor', () => {
    const { options } = load(script);
    expect(options).toMatchObject({
      scenarios: {
        plan: {
          executor: 'ramping-arrival-rate',
          startRate: 20,
          timeUnit: '1s',
          stages: [
            { target: 20, duration: '1000ms' },
            { target: 20, duration: '500ms' },
            { target: 40, duration: '0s' },
            { target: 40, duration: '1000ms' },
          ],
        },
      },
      thresholds: { http_req_duration: ['p(99)<=400'], http_req_failed: ['rate<=0.02'] },
    });
    const sc = (options.scenarios as { plan: { preAllocatedVUs: number; maxVUs: number } }).plan;
    expect(sc.maxVUs).toBe(40 * 5); // peak rate × timeout: the rate holds even if every request times out
  });

  it('leaves thresholds out when the plan has none', () => {
    const { options } = load(renderK6Script({ ...plan, thresholds: undefined }));
    expect(options.thresholds).toBeUndefined();
    expect(k6Diagnostics(renderK6Script({ ...plan, thresholds: undefined }))).toEqual([]);
  }, 60_000);
});
