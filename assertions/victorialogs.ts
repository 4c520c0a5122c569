/**
 * A typed client for the VictoriaLogs HTTP API (v1.52): LogsQL queries, field and stream
 * discovery, hits, Prometheus-style stats, ingestion (Loki JSON push and JSON lines), force
 * flush and /metrics. Shapes checked against a real v1.52.1 server.
 *
 * Times go out as RFC 3339 with nanoseconds: VictoriaLogs guesses the unit of a bare integer
 * from its magnitude, so a small nanosecond value would be read as seconds. Entry times come
 * back as `bigint` nanoseconds. Error bodies (plain text, or JSON for stats) surface in
 * `HttpError.message`.
 */

import { z } from 'zod';
import {
  HttpError,
  type HttpResponse,
  type QueryParams,
  decodeWith,
  expectOk,
  parseJsonBody,
  stringifyJson,
  ApiClient,
} from './http-client.ts';
import type { PushStream } from './loki.ts';
import { type Labels, type MatrixSeries, type ReadyStatus, type VectorSample, decodeQueryData, probeReady, queryDataSchema } from './prometheus.ts';

/** Date, Unix seconds (number), nanoseconds (bigint), or a string passed as is (RFC 3339, `now`, `5m`). */
export type VLTimeInput = Date | number | bigint | string;

/** Nanoseconds since the epoch of a Date, Unix seconds (microsecond precision) or bigint ns. */
export function toNs(t: Date | number | bigint): bigint {
  if (typeof t === 'bigint') return t;
  if (t instanceof Date) {
    const ms = t.getTime();
    if (Number.isNaN(ms)) throw new RangeError('invalid Date');
    return BigInt(ms) * 1_000_000n;
  }
  if (!Number.isFinite(t)) throw new RangeError(`invalid Unix time ${t}`);
  return BigInt(Math.round(t * 1e6)) * 1000n;
}

/** Nanoseconds to RFC 3339 with all nine fraction digits, UTC. */
export function nsToRfc3339Nano(ns: bigint): string {
  let sec = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    sec -= 1n;
    frac += 1_000_000_000n;
  }
  const d = new Date(Number(sec) * 1000);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999) throw new RangeError(`time out of range: ${ns}ns`);
  return `${d.toISOString().slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

export function formatVLTime(t: VLTimeInput): string {
  return typeof t === 'string' ? t : nsToRfc3339Nano(toNs(t));
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 (any fraction length; VictoriaLogs trims trailing zeros) to nanoseconds. */
export function parseRfc3339Ns(s: string): bigint {
  const m = RFC3339.exec(s);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 time: ${JSON.stringify(s)}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A LogsQL double-quoted string literal (LogsQL unquotes with Go rules, which accept JSON escapes). */
export function quoteLogsQL(value: string): string {
  if (LONE_SURROGATE.test(value)) throw new RangeError('string has a lone surrogate: not representable in UTF-8');
  return JSON.stringify(value);
}

const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quoteName = (name: string): string => (BARE_NAME.test(name) ? name : quoteLogsQL(name));

/** `{service="x"}`; an array value becomes `{service in ("a","b")}`. Empty is an error (`{}` matches nothing). */
export function streamFilter(labels: Readonly<Record<string, string | readonly string[]>>): string {
  const parts = Object.entries(labels).map(([name, v]) =>
    typeof v === 'string' ? `${quoteName(name)}=${quoteLogsQL(v)}` : `${quoteName(name)} in (${v.map(quoteLogsQL).join(',')})`,
  );
  if (parts.length === 0) throw new RangeError('streamFilter needs at least one label');
  return `{${parts.join(',')}}`;
}

const GO_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Decode one Go-quoted string starting at `s[i]` (a `"`); returns the value and the index after it. */
function readGoQuoted(s: string, i: number): [string, number] {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let j = i + 1; j < s.length; ) {
    const c = s[j]!;
    if (c === '"') return [new TextDecoder().decode(new Uint8Array(bytes)), j + 1];
    if (c !== '\\') {
      const cp = s.codePointAt(j)!;
      bytes.push(...enc.encode(String.fromCodePoint(cp)));
      j += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = s[j + 1] ?? '';
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = s.slice(j + 2, j + 2 + hexLen);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLen) break;
      const n = Number.parseInt(hex, 16);
      if (e === 'x') bytes.push(n); // a raw byte (Go quotes invalid UTF-8 this way)
      else bytes.push(...enc.encode(String.fromCodePoint(n)));
      j += 2 + hexLen;
    } else if (e in GO_ESCAPES) {
      bytes.push(...enc.encode(GO_ESCAPES[e]!));
      j += 2;
    } else {
      break;
    }
  }
  throw new SyntaxError(`bad quoted value at ${i} in ${s}`);
}

/** Parse a `_stream` value, `{container="c1",service="svc-a"}` (values are Go-quoted), to labels. */
export function parseStreamLabels(s: string): Labels {
  const out: Labels = {};
  if (!s.startsWith('{') || !s.endsWith('}')) throw new SyntaxError(`not a stream: ${s}`);
  if (s === '{}') return out;
  for (let i = 1; ; ) {
    const eq = s.indexOf('="', i);
    if (eq < 0) throw new SyntaxError(`missing ="..." at ${i} in ${s}`);
    const [value, next] = readGoQuoted(s, eq + 1);
    out[s.slice(i, eq)] = value;
    if (next === s.length - 1) return out;
    if (s[next] !== ',') throw new SyntaxError(`expected ',' at ${next} in ${s}`);
    i = next + 1;
  }
}

export interface VLEntry {
  timeNs: bigint;
  msg: string;
  /** Stream labels, parsed from `_stream`. */
  stream: Labels;
  streamId?: string;
  /** Every other field (stream labels are stored as fields too, so they appear here as well). */
  fields: Record<string, string>;
}

export interface VLRangeOptions {
  start?: VLTimeInput;
  /** Exclusive. */
  end?: VLTimeInput;
}

export interface VLQueryOptions extends VLRangeOptions {
  /** With a limit, VictoriaLogs returns the `limit` newest entries, newest first. */
  limit?: number;
  offset?: number;
  /** Server-side timeout, e.g. "10s". */
  timeout?: string;
}

export interface ValueHits {
  value: string;
  hits: number;
}

export interface StreamHits extends ValueHits {
  stream: Labels;
}

export interface HitsSeries {
  /** The grouping fields' values (`{}` without `fields`). */
  fields: Labels;
  /** Buckets aligned to `step` (the first may start before `start`). */
  points: Array<{ timeNs: bigint; hits: number }>;
  total: number;
}

export interface DiscoveryOptions extends VLRangeOptions {
  /** Only values containing this substring. */
  filter?: string;
  /** Over the limit VictoriaLogs returns an arbitrary subset with hits zeroed. */
  limit?: number;
  ignorePipes?: boolean;
}

export interface JsonLinesOptions {
  streamFields?: readonly string[];
  timeField?: string;
  msgField?: string;
  ignoreFields?: readonly string[];
}

export interface PushLokiOptions {
  /** Which labels are stream fields (default: all). */
  streamFields?: readonly string[];
  /** By default VictoriaLogs parses a JSON-object line into fields (and `_msg` from its `_msg`/`message`). */
  disableMessageParsing?: boolean;
}

const rowSchema = z.record(z.string(), z.string());
const valuesSchema = z.object({ values: z.array(z.object({ value: z.string(), hits: z.number() })) });
const hitsSchema = z.object({
  hits: z.array(
    z
      .object({ fields: rowSchema, timestamps: z.array(z.string()), values: z.array(z.number()), total: z.number() })
      .refine((h) => h.timestamps.length === h.values.length, 'timestamps and values differ in length'),
  ),
});
const statsSchema = z.looseObject({ status: z.literal('success'), data: queryDataSchema });

const SPECIAL = new Set(['_msg', '_time', '_stream', '_stream_id']);

export function toEntry(row: Record<string, string>): VLEntry {
  const time = row._time;
  if (time === undefined) throw new RangeError('row has no _time (a pipe dropped it?); use queryRows() for such queries');
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(row)) if (!SPECIAL.has(k)) fields[k] = v;
  const entry: VLEntry = { timeNs: parseRfc3339Ns(time), msg: row._msg ?? '', stream: row._stream ? parseStreamLabels(row._stream) : {}, fields };
  if (row._stream_id !== undefined) entry.streamId = row._stream_id;
  return entry;
}

const cmpTime = (a: VLEntry, b: VLEntry): number => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0);

function rangeParams(o: VLRangeOptions): QueryParams {
  return { start: o.start === undefined ? undefined : formatVLTime(o.start), end: o.end === undefined ? undefined : formatVLTime(o.end) };
}

const stepParam = (step: number | string): string => (typeof step === 'number' ? `${step}s` : step);

export class VictoriaLogsClient extends ApiClient {
  /** GET /health. Never throws: an unreachable server is `{ready: false, status: null}`. */
  async ready(): Promise<ReadyStatus> {
    return probeReady(this.http, '/health');
  }

  private async get(path: string, query: QueryParams): Promise<HttpResponse> {
    return expectOk(await this.http.request('GET', path, { query }));
  }

  private async rows(logsql: string, options: VLQueryOptions): Promise<{ res: HttpResponse; rows: Array<Record<string, string>> }> {
    const res = await this.get('/select/logsql/query', {
      query: logsql,
      ...rangeParams(options),
      limit: options.limit,
      offset: options.offset,
      timeout: options.timeout,
    });
    const rows: unknown[] = [];
    res.text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        rows.push(JSON.parse(line));
      } catch (cause) {
        throw new HttpError({ method: res.method, url: res.url, kind: 'decode', status: res.status, detail: `line ${i + 1} is not JSON`, body: line, cause });
      }
    });
    return { res, rows: decodeWith(res, z.array(rowSchema), rows) };
  }

  /** GET /select/logsql/query: the raw JSON-lines rows (every value a string), in the order sent. */
  async queryRows(logsql: string, options: VLQueryOptions = {}): Promise<Array<Record<string, string>>> {
    return (await this.rows(logsql, options)).rows;
  }

  /** GET /select/logsql/query as entries (rows need `_time`). With `limit`: the newest, newest first. */
  async query(logsql: string, options: VLQueryOptions = {}): Promise<VLEntry[]> {
    const { res, rows } = await this.rows(logsql, options);
    try {
      return rows.map(toEntry);
    } catch (cause) {
      const detail = `cannot decode entry: ${cause instanceof Error ? cause.message : String(cause)}`;
      throw new HttpError({ method: res.method, url: res.url, kind: 'decode', status: res.status, detail, body: res.text, cause });
    }
  }

  /**
   * Every matching entry in [start, end), oldest first, `pageSize` at a time. The `limit`
   * arg returns the newest entries, so pages walk backwards; entries sharing the oldest
   * timestamp of a full page are fetched whole by a query of that one nanosecond, so none
   * is lost or doubled at a boundary. For filters and pipes that keep `_time`.
   */
  async queryAll(logsql: string, options: VLRangeOptions & { pageSize?: number } = {}): Promise<VLEntry[]> {
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`invalid pageSize ${pageSize}`);
    const out: VLEntry[] = [];
    let end: VLTimeInput | undefined = options.end;
    for (let page = 0; ; page++) {
      if (page > 100_000) throw new Error('queryAll: too many pages');
      const entries = await this.query(logsql, { start: options.start, end, limit: pageSize });
      if (entries.length < pageSize) {
        out.push(...entries);
        break;
      }
      const oldest = entries.reduce((m, e) => (e.timeNs < m ? e.timeNs : m), entries[0]!.timeNs);
      out.push(...entries.filter((e) => e.timeNs > oldest));
      out.push(...(await this.query(logsql, { start: oldest, end: oldest + 1n })));
      end = oldest;
    }
    return out.sort(cmpTime);
  }

  /** GET /select/logsql/hits: matching entries per `step` bucket (seconds, or a duration like "1m"). */
  async hits(
    logsql: string,
    options: VLRangeOptions & { step: number | string; offset?: string; fields?: readonly string[]; fieldsLimit?: number; ignorePipes?: boolean },
  ): Promise<HitsSeries[]> {
    const res = await this.get('/select/logsql/hits', {
      query: logsql,
      ...rangeParams(options),
      step: stepParam(options.step),
      offset: options.offset,
      field: options.fields,
      fields_limit: options.fieldsLimit,
      ignore_pipes: options.ignorePipes ? '1' : undefined,
    });
    const body = decodeWith(res, hitsSchema, parseJsonBody(res));
    return body.hits.map((h) => ({
      fields: h.fields,
      points: h.timestamps.map((t, i) => ({ timeNs: parseRfc3339Ns(t), hits: h.values[i]! })),
      total: h.total,
    }));
  }

  private async valueHits(path: string, query: QueryParams, o: DiscoveryOptions): Promise<ValueHits[]> {
    const res = await this.get(path, {
      ...query,
      ...rangeParams(o),
      filter: o.filter,
      limit: o.limit,
      ignore_pipes: o.ignorePipes ? '1' : undefined,
    });
    return decodeWith(res, valuesSchema, parseJsonBody(res)).values;
  }

  /** GET /select/logsql/field_names (query default `*`). */
  fieldNames(options: DiscoveryOptions & { query?: string } = {}): Promise<ValueHits[]> {
    return this.valueHits('/select/logsql/field_names', { query: options.query ?? '*' }, options);
  }

  /** GET /select/logsql/field_values; entries lacking the field count under the value "". */
  fieldValues(field: string, options: DiscoveryOptions & { query?: string } = {}): Promise<ValueHits[]> {
    return this.valueHits('/select/logsql/field_values', { query: options.query ?? '*', field }, options);
  }

  /** GET /select/logsql/stream_field_names. */
  streamFieldNames(options: DiscoveryOptions & { query?: string } = {}): Promise<ValueHits[]> {
    return this.valueHits('/select/logsql/stream_field_names', { query: options.query ?? '*' }, options);
  }

  /** GET /select/logsql/stream_field_values. */
  streamFieldValues(field: string, options: DiscoveryOptions & { query?: string } = {}): Promise<ValueHits[]> {
    return this.valueHits('/select/logsql/stream_field_values', { query: options.query ?? '*', field }, options);
  }

  /** GET /select/logsql/streams: each stream (raw and parsed) with its hit count. */
  async streams(options: DiscoveryOptions & { query?: string } = {}): Promise<StreamHits[]> {
    const values = await this.valueHits('/select/logsql/streams', { query: options.query ?? '*' }, options);
    return values.map((v) => ({ ...v, stream: parseStreamLabels(v.value) }));
  }

  private async stats(path: string, query: QueryParams): Promise<ReturnType<typeof decodeQueryData>> {
    const res = await this.get(path, query);
    return decodeQueryData(decodeWith(res, statsSchema, parseJsonBody(res)).data);
  }

  /** GET /select/logsql/stats_query (the query needs a `| stats` pipe): a Prometheus vector. */
  async statsQuery(logsql: string, options: { time?: VLTimeInput } = {}): Promise<VectorSample[]> {
    const data = await this.stats('/select/logsql/stats_query', { query: logsql, time: options.time === undefined ? undefined : formatVLTime(options.time) });
    if (data.resultType !== 'vector') throw new Error(`stats_query: expected a vector, got ${data.resultType}`);
    return data.result;
  }

  /** GET /select/logsql/stats_query_range: a Prometheus matrix, buckets aligned to `step`. */
  async statsQueryRange(logsql: string, options: VLRangeOptions & { step: number | string; offset?: string }): Promise<MatrixSeries[]> {
    const data = await this.stats('/select/logsql/stats_query_range', {
      query: logsql,
      ...rangeParams(options),
      step: stepParam(options.step),
      offset: options.offset,
    });
    if (data.resultType !== 'matrix') throw new Error(`stats_query_range: expected a matrix, got ${data.resultType}`);
    return data.result;
  }

  /** POST /insert/loki/api/v1/push (Loki JSON; 204). Entries outside the retention are dropped silently. */
  async pushLoki(streams: readonly PushStream[], options: PushLokiOptions = {}): Promise<void> {
    const body = {
      streams: streams.map((s) => ({
        stream: s.labels,
        values: s.entries.map((e) => {
          const ts = toNs(e.ts).toString();
          return e.structuredMetadata ? [ts, e.line, e.structuredMetadata] : [ts, e.line];
        }),
      })),
    };
    const query = { _stream_fields: options.streamFields?.join(','), disable_message_parsing: options.disableMessageParsing ? '1' : undefined };
    expectOk(await this.http.request('POST', '/insert/loki/api/v1/push', { query, json: body }));
  }

  /**
   * POST /insert/jsonline (200). Bad JSON lines (unless all are bad) and lines over
   * -insert.maxLineSizeBytes are skipped with a 200 anyway; watch /metrics for them.
   */
  async pushJsonLines(rows: ReadonlyArray<Readonly<Record<string, unknown>>>, options: JsonLinesOptions = {}): Promise<void> {
    const body = rows.map((r) => `${stringifyJson(r)}\n`).join('');
    const query = {
      _stream_fields: options.streamFields?.join(','),
      _time_field: options.timeField,
      _msg_field: options.msgField,
      ignore_fields: options.ignoreFields?.join(','),
    };
    // Never form-encoded: the server then parses the body as a form and stores nothing (still 200).
    const headers = { 'content-type': 'application/stream+json' };
    expectOk(await this.http.request('POST', '/insert/jsonline', { query, body, headers }));
  }

  /** GET /internal/force_flush: make everything ingested so far searchable now (tests only). */
  async forceFlush(): Promise<void> {
    await this.get('/internal/force_flush', {});
  }

  /** GET /metrics: VictoriaLogs' own metrics, Prometheus text. The server caches it for 1 s, so poll. */
  async metrics(): Promise<string> {
    return (await this.get('/metrics', {})).text;
  }
}
