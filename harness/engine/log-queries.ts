/**
 * LogQL against the truth on disk: does a log query return exactly the lines it should?
 *
 * Every fake service's log file is the ground truth of what it wrote. For a window of a
 * `LogWindow` (from its mark to the cut), `logQueryAudit` evaluates the query's stream
 * selector and line filters on the lines of each file (the selector against the labels the
 * rendered Promtail targets give that service, the filters as Loki applies them: `|=`
 * substring, `|~` RE2 search) and compares, per service and seq, with what Loki returns
 * for the query as written. On top of that exactness, two claims independent of the
 * query's own regex:
 *
 *   - the lines the fault produced (`faultLine`, e.g. "msg names the error-ratio fault")
 *     on the services it targeted are all returned;
 *   - nothing comes from healthy services. "Healthy" is measured, not assumed: the
 *     background traffic has baseline errors (catalog baselineErrorRatio, up to 0.5 %),
 *     so a service the fault did not touch is healthy in the window when its own log has
 *     no line of the kind the query looks for (`genuine`, e.g. level=ERROR). Those must
 *     return nothing; an untouched service that did fail a request at baseline may return
 *     exactly those lines (each one `genuine`), and they are reported as baseline noise,
 *     not hidden.
 *
 * Also here: the label check (container, service, service_group for every service, with
 * the catalog's values) and the lookup of a Grafana panel's query.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeResult } from '../../assertions/expectations.ts';
import { allServices } from '../../fake-services/catalog.ts';
import type { Check } from './checks.ts';
import { compressRanges, formatRanges, parseSeq } from '../logs/ledger.ts';
import { compileQuery, type CompiledLogQuery } from '../logs/query-match.ts';
import { queryFor, type LogQuery, type LogStore } from '../logs/log-store.ts';
import { openLogPipeline } from '../logs/open.ts';
import { forEachLine } from '../logs/emitted.ts';
import type { Cut, LogWindow } from './log-window.ts';

export { compileLogQuery, compileLogsQuery, decodeLogQLString, re2ToRegExp, type CompiledLogQuery, type LabelMatcher, type LineFilter } from '../logs/query-match.ts';

// ---------------------------------------------------------------------------------------
// Lines of the fake services' logs
// ---------------------------------------------------------------------------------------

/** logfmt as fake-services/logfmt.ts writes it (values bare or JSON-quoted); undefined if not logfmt. */
export function parseLogfmt(line: string): Record<string, string> | undefined {
  if (!line.startsWith('ts=')) return undefined;
  const out: Record<string, string> = {};
  const re = /([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const v = m[2]!;
    if (v.startsWith('"')) {
      try {
        out[m[1]!] = JSON.parse(v) as string;
      } catch {
        out[m[1]!] = v.slice(1, -1);
      }
    } else out[m[1]!] = v;
  }
  return out;
}

export interface LogLine {
  service: string;
  seq: number;
  raw: string;
  bytes: number;
  /** logfmt fields; empty for a malformed line. */
  fields: Record<string, string>;
  level?: string;
  msg?: string;
  /** `duration=12ms` as a number. */
  durationMs?: number;
  status?: number;
}

export function toLogLine(service: string, raw: string, bytes = Buffer.byteLength(raw)): LogLine | undefined {
  const seq = parseSeq(raw);
  if (seq === undefined) return undefined;
  const fields = parseLogfmt(raw) ?? {};
  const d = /^(\d+(?:\.\d+)?)ms$/.exec(fields.duration ?? '');
  return {
    service,
    seq,
    raw,
    bytes,
    fields,
    level: fields.level,
    msg: fields.msg,
    durationMs: d ? Number(d[1]) : undefined,
    status: fields.status !== undefined && /^\d+$/.test(fields.status) ? Number(fields.status) : undefined,
  };
}

/** Every line of a service's log between the window's mark and the cut. */
export function windowLines(win: LogWindow, service: string, cut: Cut): LogLine[] {
  const svc = win.services([service])[0]!;
  const mark = win.marked.services.get(service)!;
  const st = cut.stats.get(service)!;
  const out: LogLine[] = [];
  forEachLine(svc.logFile, mark.fileOffset, (buf) => {
    const raw = buf.toString('utf8');
    const l = toLogLine(service, raw, buf.length);
    if (l && l.seq > mark.lastSeq && l.seq <= st.lastSeq) out.push(l);
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// The audit
// ---------------------------------------------------------------------------------------

export interface QueryAuditOptions {
  /** Services whose fault lines this query must return. */
  faultOn: string[];
  /** The lines the fault produced, judged from the line itself (not through the query). */
  faultLine: (l: LogLine) => boolean;
  /** What the query looks for, from the line's own fields: any line returned from an untouched service must be one. */
  genuine: (l: LogLine) => boolean;
  /** Fault lines the query must return at least (default 1): the fault really produced something. */
  minFaultLines?: number;
  /** Services under another fault that this query must leave out (by its selector or its filters): none of their fault lines may be returned. */
  otherFaults?: string[];
  title?: string;
}

export interface AuditedService {
  service: string;
  selected: boolean;
  expected: number;
  returned: number;
  missing: number[];
  unexpected: number[];
  faultLines: number;
  faultLinesReturned: number;
  genuineInLog: number;
  returnedNotGenuine: number[];
}

/** Labels the rendered Promtail file_sd targets give a service (harness/render/render.ts renderDockerTargets + relabel_configs). */
export function serviceLabels(name: string, group: string): Record<string, string> {
  return { container: name, service: name, service_group: group };
}

/** Runs the audit once for a fixed cut: pure apart from reading files and the store. */
export async function auditQuery(win: LogWindow, q: CompiledLogQuery, opts: QueryAuditOptions, cut: Cut): Promise<{ ok: boolean; summary: string; services: AuditedService[]; samples: [string, string][] }> {
  const limits = win.limits();
  const mark = win.marked;
  const services = win.services();
  const store = win.store();
  const stored = await store.queryLines(q.expr, mark.atMs - 10_000, Date.now() + 5_000, limits.store.maxEntriesPerQuery);
  const returnedBy = new Map<string, Set<number>>();
  const unattributed: string[] = [];
  for (const e of stored) {
    const svc = e.labels.service ?? '';
    const seq = parseSeq(e.line);
    const m = mark.services.get(svc);
    const st = cut.stats.get(svc);
    if (!m || !st || seq === undefined) {
      unattributed.push(e.line.slice(0, 160));
      continue;
    }
    if (seq <= m.lastSeq || seq > st.lastSeq) continue;
    let set = returnedBy.get(svc);
    if (!set) returnedBy.set(svc, (set = new Set()));
    set.add(seq);
  }
  const results: AuditedService[] = [];
  const samples: [string, string][] = [];
  for (const svc of services) {
    const lines = windowLines(win, svc.name, cut);
    const selected = q.selects(serviceLabels(svc.name, svc.group));
    const dropped = (l: LogLine) => !limits.store.maxLineSizeTruncate && limits.store.maxLineSize > 0 && l.bytes > limits.store.maxLineSize;
    const expected = new Set(selected ? lines.filter((l) => !dropped(l) && q.keeps(l.raw)).map((l) => l.seq) : []);
    const returned = returnedBy.get(svc.name) ?? new Set<number>();
    const bySeq = new Map(lines.map((l) => [l.seq, l]));
    const isTarget = opts.faultOn.includes(svc.name) || (opts.otherFaults ?? []).includes(svc.name);
    const faultLines = isTarget ? lines.filter(opts.faultLine) : [];
    for (const s of returned) if (samples.length < 20) samples.push([svc.name, bySeq.get(s)?.raw.slice(0, 300) ?? `seq ${s}`]);
    results.push({
      service: svc.name,
      selected,
      expected: expected.size,
      returned: returned.size,
      missing: [...expected].filter((s) => !returned.has(s)),
      unexpected: [...returned].filter((s) => !expected.has(s)),
      faultLines: faultLines.length,
      faultLinesReturned: faultLines.filter((l) => returned.has(l.seq)).length,
      genuineInLog: lines.filter(opts.genuine).length,
      returnedNotGenuine: isTarget ? [] : [...returned].filter((s) => !(bySeq.has(s) && opts.genuine(bySeq.get(s)!))),
    });
  }
  const problems: string[] = [];
  const r = (f: (a: AuditedService) => boolean) => results.filter(f);
  for (const a of r((a) => a.missing.length > 0)) problems.push(`${a.service}: ${a.missing.length} matching lines not returned [seq ${formatRanges(compressRanges(a.missing), 6)}]`);
  for (const a of r((a) => a.unexpected.length > 0)) problems.push(`${a.service}: ${a.unexpected.length} lines returned that do not match [seq ${formatRanges(compressRanges(a.unexpected), 6)}]`);
  if (unattributed.length) problems.push(`${unattributed.length} returned lines belong to no service of the window (e.g. ${JSON.stringify(unattributed[0])})`);
  const targets = r((a) => opts.faultOn.includes(a.service));
  const faultTotal = targets.reduce((n, a) => n + a.faultLines, 0);
  const faultReturned = targets.reduce((n, a) => n + a.faultLinesReturned, 0);
  if (faultReturned < faultTotal) problems.push(`fault lines returned ${faultReturned}/${faultTotal}`);
  if (faultTotal < (opts.minFaultLines ?? 1)) problems.push(`the fault produced ${faultTotal} lines on ${opts.faultOn.join(', ')}, fewer than ${opts.minFaultLines ?? 1}`);
  const excluded = r((a) => (opts.otherFaults ?? []).includes(a.service));
  for (const a of excluded) if (a.faultLinesReturned > 0) problems.push(`${a.service}: ${a.faultLinesReturned} lines of its (other) fault returned although this query should leave them out`);
  for (const a of r((a) => a.returnedNotGenuine.length > 0)) problems.push(`${a.service} (no fault): returned ${a.returnedNotGenuine.length} lines that are not what the query looks for [seq ${formatRanges(compressRanges(a.returnedNotGenuine), 6)}]`);
  const untouched = r((a) => !opts.faultOn.includes(a.service) && !(opts.otherFaults ?? []).includes(a.service));
  const quiet = untouched.filter((a) => a.genuineInLog === 0);
  const quietNoisy = quiet.filter((a) => a.returned > 0);
  for (const a of quietNoisy) problems.push(`${a.service} (healthy) returned ${a.returned} lines`);
  const noise = untouched.filter((a) => a.genuineInLog > 0 && a.returned > 0);
  const exact = results.every((a) => a.missing.length === 0 && a.unexpected.length === 0) && unattributed.length === 0;
  const head =
    `fault lines returned ${faultReturned}/${faultTotal} (${targets.map((a) => `${a.service} ${a.faultLinesReturned}/${a.faultLines}`).join(', ')})` +
    (excluded.length ? `; other faults left out: ${excluded.map((a) => `${a.service} (${a.faultLines} fault lines, ${a.faultLinesReturned} returned)`).join(', ')}` : '') +
    `; healthy services (no such line in their own log): ${quiet.length}, returned ${quiet.reduce((n, a) => n + a.returned, 0)} lines` +
    (noise.length ? `; baseline errors of untouched services, returned as the query should: ${noise.map((a) => `${a.service} ${a.returned}`).join(', ')}` : '') +
    `; ${results.reduce((n, a) => n + a.returned, 0)} lines returned, ${exact ? 'exactly the' : 'expected'} ${results.reduce((n, a) => n + a.expected, 0)} the log files say match`;
  return { ok: problems.length === 0, summary: problems.length ? `${problems.join(' | ')} — ${head}` : head, services: results, samples };
}

/**
 * Check: the query returns exactly what the log files say it should, all the fault's
 * lines, and nothing from healthy services. The query is given once per language; the
 * store runs the one in its own, and a store whose language the scenario did not give
 * makes the check fail loudly rather than pass unexamined.
 */
export function logQueryAudit(win: LogWindow, query: LogQuery, opts: QueryAuditOptions): Check {
  for (const [language, expr] of Object.entries(query) as [keyof LogQuery, string][]) compileQuery(language, expr); // fail at load time on an unsupported query
  const shown = query.logql ?? query.logsql ?? '';
  const title = opts.title ?? `${shown} returns the fault's lines on ${opts.faultOn.join(', ')} and nothing from healthy services`;
  const expr = (): string => {
    const e = queryFor(win.store(), query);
    if (!e) throw new Error(`the scenario gives this query in ${Object.keys(query).join(', ')}, not in ${win.store().language} (the ${win.store().kind} store's language)`);
    return e;
  };
  return {
    title,
    queries: query.logql ? [{ language: 'logql', expr: query.logql }] : [],
    evidenceQuery: () => ({ query: expr(), language: win.store().language }),
    probe: () => {
      let cut: Cut | undefined;
      return async (): Promise<ProbeResult> => {
        cut ??= await win.cut(win.services());
        const a = await auditQuery(win, compileQuery(win.store().language, expr()), opts, cut);
        return {
          ok: a.ok,
          observed: { summary: a.summary, cutAt: new Date(cut.atMs).toISOString(), services: a.services.filter((s) => s.expected || s.returned || s.faultLines).map((s) => ({ ...s, missing: s.missing.slice(0, 20), unexpected: s.unexpected.slice(0, 20), returnedNotGenuine: s.returnedNotGenuine.slice(0, 20) })) },
          series: groupSamples(a.samples),
        };
      };
    },
  };
}

function groupSamples(samples: [string, string][]): { labels: Record<string, string>; lines: [string, string][] }[] {
  const by = new Map<string, [string, string][]>();
  for (const [svc, line] of samples) {
    const ts = /^ts=(\S+)/.exec(line)?.[1] ?? '';
    by.set(svc, [...(by.get(svc) ?? []), [ts, line]]);
  }
  return [...by].map(([service, lines]) => ({ labels: { service }, lines }));
}

// ---------------------------------------------------------------------------------------
// Grafana panel queries
// ---------------------------------------------------------------------------------------

interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: { expr?: string; datasource?: { type?: string } }[];
  datasource?: { type?: string };
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (e.endsWith('.json')) out.push(p);
  }
  return out;
}

/** The query of the panel titled `title` in any dashboard JSON under `dir` (rows' nested panels included). */
export function findPanelQuery(dir: string, title: string): { file: string; expr: string; datasource?: string } {
  for (const file of jsonFiles(dir)) {
    let doc: { panels?: Panel[]; dashboard?: { panels?: Panel[] } };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch {
      continue;
    }
    const walk = (ps: Panel[] = []): Panel | undefined => {
      for (const p of ps) {
        if (p.title === title) return p;
        const inner = walk(p.panels);
        if (inner) return inner;
      }
      return undefined;
    };
    const p = walk(doc.panels ?? doc.dashboard?.panels);
    const expr = p?.targets?.find((t) => t.expr)?.expr;
    if (p && expr) return { file, expr, datasource: p.targets?.[0]?.datasource?.type ?? p.datasource?.type };
  }
  throw new Error(`no dashboard panel titled "${title}" with a query under ${dir}`);
}

/** Grafana variables ($var, ${var}, [[var]]) set to "All" (.*), as the panel shows by default. */
export function panelQueryWithAllVariables(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)/g, '.*');
}

/** The Grafana datasource type of each log store. */
export const LOG_DATASOURCE_TYPES = { loki: 'loki', victorialogs: 'victoriametrics-logs-datasource' } as const;

/** Check: the dashboard panel's own query (read from the rendered provisioning at run time) passes the same audit. */
export function dashboardPanelAudit(win: LogWindow, panelTitle: string, opts: QueryAuditOptions): Check {
  const title = opts.title ?? `dashboard panel "${panelTitle}" query returns the injected errors and nothing from healthy services`;
  let expr = '';
  return {
    title,
    queries: [],
    evidenceQuery: () => ({ query: expr || `(query of the "${panelTitle}" panel)`, language: win.store().language }),
    probe: () => {
      let cut: Cut | undefined;
      return async (): Promise<ProbeResult> => {
        const found = findPanelQuery(win.environment.stack.config.files.grafanaProvisioning, panelTitle);
        const store = win.store();
        const wanted = LOG_DATASOURCE_TYPES[store.kind];
        if (found.datasource && found.datasource !== wanted) throw new Error(`panel "${panelTitle}" queries a ${found.datasource} datasource, but this folder's log store is ${store.kind} (${wanted})`);
        expr = panelQueryWithAllVariables(found.expr);
        cut ??= await win.cut(win.services());
        const a = await auditQuery(win, compileQuery(store.language, expr), opts, cut);
        return { ok: a.ok, observed: { summary: a.summary, panel: panelTitle, file: found.file, expr }, series: groupSamples(a.samples) };
      };
    },
  };
}

// ---------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------

/**
 * Check: the store shows container, service and service_group for every fake service,
 * with the catalog's values, as stream labels (Loki) or stream fields (VictoriaLogs).
 */
export function logStreamLabels(): Check {
  const expected = allServices().map((s) => ({ name: s.name, labels: serviceLabels(s.name, s.group) }));
  let store: LogStore | undefined;
  return {
    title: `the log store shows container, service and service_group for all ${expected.length} services, with the catalog's values`,
    queries: [],
    evidenceQuery: () => ({ query: store?.kind === 'victorialogs' ? 'GET /select/logsql/streams?query=*' : 'GET /loki/api/v1/series?match[]={service=~".+"}', language: store?.language ?? 'logql' }),
    probe: (ctx) => async (): Promise<ProbeResult> => {
      if (!ctx.env) throw new Error('the stream label check needs the environment');
      store = openLogPipeline(ctx.env).store;
      const streams = await store.streams(ctx.scenarioStartMs - 10 * 60_000, Date.now());
      const problems: string[] = [];
      const series: { labels: Record<string, string> }[] = [];
      for (const e of expected) {
        const mine = streams.filter((s) => s.service === e.name);
        if (mine.length === 0) problems.push(`no stream with service="${e.name}"`);
        for (const s of mine) {
          const wrong = Object.entries(e.labels).filter(([k, v]) => s[k] !== v);
          if (wrong.length) problems.push(`${e.name}: ${wrong.map(([k, v]) => `${k}=${JSON.stringify(s[k] ?? null)} (want "${v}")`).join(', ')}`);
        }
        series.push(...mine.slice(0, 1).map((labels) => ({ labels })));
      }
      const extra = [...new Set(series.flatMap((s) => Object.keys(s.labels)))].filter((k) => !['container', 'service', 'service_group'].includes(k)).sort();
      const summary = problems.length ? problems.slice(0, 12).join('; ') : `${expected.length} services, each with container, service and service_group as in the catalog (other labels seen: ${extra.join(', ') || 'none'})`;
      return { ok: problems.length === 0, observed: { summary, serviceGroups: [...new Set(streams.map((s) => s.service_group))].sort() }, series };
    },
  };
}
