/**
 * `index.html` for a multi-scenario run (`npm run scenario all`): a pass/fail matrix,
 * one row per scenario and one cell per run of it, each linking that run's report.html
 * by a relative link, so the folder can be moved or archived whole. Self-contained like
 * report.html: inline CSS, no scripts, no external requests.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { escapeHtml as esc, formatDuration, utcDateTime } from './format.ts';
import { writeFileAtomic } from './write.ts';

export interface IndexRun {
  scenario: string;
  verdict: 'pass' | 'fail' | 'error' | 'incomplete' | 'skipped' | 'interrupted';
  /** The run's report.html: absolute, or relative to the index's folder. */
  reportPath: string;
  durationMs: number;
}

export interface IndexOptions {
  /** Heading (default "Scenario runs"). */
  title?: string;
  /** File name (default index.html). */
  fileName?: string;
}

/** Write `index.html` into `dir`; returns its path. */
export function writeIndex(dir: string, runs: readonly IndexRun[], options: IndexOptions = {}): string {
  const file = join(dir, options.fileName ?? 'index.html');
  writeFileAtomic(file, renderIndex(dir, runs, options));
  return file;
}

/** A relative, URL-encoded link from the index folder to a report. */
export function reportHref(dir: string, reportPath: string): string {
  const abs = isAbsolute(reportPath) ? reportPath : resolve(dir, reportPath);
  const rel = relative(resolve(dir), abs) || '.';
  return rel.split(sep).map(encodeURIComponent).join('/');
}

export function renderIndex(dir: string, runs: readonly IndexRun[], options: IndexOptions = {}): string {
  const title = options.title ?? 'Scenario runs';
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const byScenario = new Map(scenarios.map((s) => [s, runs.filter((r) => r.scenario === s)]));
  const columns = Math.max(1, ...[...byScenario.values()].map((rs) => rs.length));
  const passed = runs.filter((r) => r.verdict === 'pass').length;
  // A skipped run neither passes nor fails the index: it is shown with its verdict.
  const judged = runs.filter((r) => r.verdict !== 'skipped');
  const overall = runs.length === 0 ? 'incomplete' : judged.every((r) => r.verdict === 'pass') ? 'pass' : judged.some((r) => r.verdict === 'error') ? 'error' : 'fail';
  const word = { pass: 'PASSED', fail: 'FAILED', error: 'ERROR', incomplete: 'NO RUNS' }[overall];
  const total = runs.reduce((n, r) => n + (Number.isFinite(r.durationMs) ? r.durationMs : 0), 0);

  const head = `<tr><th>scenario</th>${columns === 1 ? '<th>verdict</th><th>duration</th>' : Array.from({ length: columns }, (_, i) => `<th>run ${i + 1}</th>`).join('')}<th>passed</th></tr>`;
  const rows = scenarios.map((s) => {
    const rs = byScenario.get(s)!;
    const ok = rs.filter((r) => r.verdict === 'pass').length;
    const cells =
      columns === 1
        ? `<td class="cell v-${esc(rs[0]!.verdict)}"><a href="${esc(reportHref(dir, rs[0]!.reportPath))}">${esc(rs[0]!.verdict.toUpperCase())}</a></td><td class="num">${esc(formatDuration(rs[0]!.durationMs))}</td>`
        : Array.from({ length: columns }, (_, i) => {
            const r = rs[i];
            if (!r) return '<td class="cell none">—</td>';
            return `<td class="cell v-${esc(r.verdict)}"><a href="${esc(reportHref(dir, r.reportPath))}">${esc(r.verdict.toUpperCase())}</a><div class="dur">${esc(formatDuration(r.durationMs))}</div></td>`;
          }).join('');
    return `<tr data-scenario="${esc(s)}"><th class="name">${esc(s)}</th>${cells}<td class="num">${ok}/${rs.length}</td></tr>`;
  });

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<title>${esc(word)} · ${esc(title)} · mcp-monitoring-harness</title>
<style>
*{box-sizing:border-box}html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0 auto;max-width:1000px;padding:0 20px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d1d1f}
.banner{display:flex;gap:20px;align-items:center;margin:20px 0;padding:16px 20px;border-radius:10px;border:2px solid #ccc}
.verdict{font-size:38px;font-weight:800;color:#fff;padding:6px 18px;border-radius:8px;background:#666}
.v-pass .verdict{background:#2e7d32}.v-fail .verdict{background:#c62828}.v-error .verdict{background:#8e24aa}.v-skipped{background:#eef2f4}
.banner.v-pass{border-color:#2e7d32;background:#eef7ee}.banner.v-fail{border-color:#c62828;background:#fdeeee}.banner.v-error{border-color:#8e24aa;background:#f7eef9}
h1{font-size:22px;margin:0}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #dde1e6;padding:6px 10px;text-align:left}thead th{background:#f6f7f9}
th.name{font-weight:600;font-family:ui-monospace,Menlo,Consolas,monospace}
td.cell{text-align:center;font-weight:700}td.cell a{color:inherit;text-decoration:none;display:block}td.cell a:hover{text-decoration:underline}
td.v-pass{background:#dff0df;color:#1b5e20}td.v-fail{background:#fbdcdc;color:#8a1c1c}td.v-error{background:#efdcf3;color:#5e1572}td.v-incomplete{background:#ffe9cc;color:#8a4b00}td.none{color:#999}
.dur{font-weight:400;font-size:12px;color:#555}
td.num{text-align:right;font-variant-numeric:tabular-nums}
footer{margin-top:30px;color:#666;font-size:12px}
</style>
</head>
<body>
<header class="banner v-${overall}"><div class="verdict" id="verdict" data-verdict="${overall}">${word}</div><div><h1>${esc(title)}</h1><p>${passed} of ${runs.length} run${runs.length === 1 ? '' : 's'} passed · ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} · total ${esc(formatDuration(total))}</p></div></header>
<table class="matrix"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table>
<footer>Generated ${esc(utcDateTime(new Date()))} by mcp-monitoring-harness. Each cell links that run's report.html.</footer>
</body>
</html>
`;
}
