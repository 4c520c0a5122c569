/**
 * A typed client for the Prometheus HTTP API (the parts the harness asserts through).
 *
 * Every query is syntax-checked with the official PromQL grammar before it is sent
 * (query-language.ts), so a typo fails at once with a column and a caret instead of as
 * an HTTP 400 somewhere in a poll loop. Sample values are decoded to numbers, with
 * Prometheus' "NaN", "+Inf" and "-Inf" mapped to NaN, Infinity and -Infinity.
 *
 * Timestamps in results are Unix seconds (floats), as Prometheus sends them.
 */

import { z } from 'zod';
import { parseDuration } from './duration.ts';
import {
  HttpClient,
  HttpError,
  type HttpMethod,
  type HttpResponse,
  type QueryParams,
  decodeWith,
  expectOk,
  isOk,
  parseJsonBody,
  ApiClient,
} from './http-client.ts';
import { type QueryLocation, validateQuery } from './query-language.ts';

export type Labels = Record<string, string>;

/** A point in time for the API: a Date, Unix seconds, or an RFC 3339 string. */
export type TimeInput = Date | number | string;

export function formatPromTime(t: TimeInput): string {
  if (t instanceof Date) {
    const ms = t.getTime();
    if (Number.isNaN(ms)) throw new RangeError('invalid Date');
    return (ms / 1000).toFixed(3);
  }
  if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw new RangeError(`invalid Unix time ${t}`);
    return String(t);
  }
  return t;
}

/** Unix seconds to an ISO 8601 string. */
export function unixToIso(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/** Decode a Prometheus sample value string. */
export function parseSampleValue(s: string): number {
  switch (s) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    default: {
      const n = Number(s);
      if (Number.isNaN(n) || s.trim() === '') throw new RangeError(`not a sample value: ${JSON.stringify(s)}`);
      return n;
    }
  }
}

export interface Sample {
  /** Unix seconds. */
  timestamp: number;
  value: number;
}

export interface NativeHistogram {
  count: number;
  sum: number;
  /** [boundaryRule, lower, upper, count]; boundaryRule 0..3 as in the API docs. */
  buckets: Array<{ boundaryRule: number; lower: number; upper: number; count: number }>;
}

export interface VectorSample {
  labels: Labels;
  /** Unix seconds. */
  timestamp: number;
  /** The float value; NaN for a native-histogram sample (see `histogram`). */
  value: number;
  histogram?: NativeHistogram;
}

export interface MatrixSeries {
  labels: Labels;
  samples: Sample[];
  histograms?: Array<{ timestamp: number; histogram: NativeHistogram }>;
}

export type QueryData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar'; result: Sample }
  | { resultType: 'string'; result: { timestamp: number; value: string } };

export interface QueryMeta {
  /** The query as sent. */
  query: string;
  warnings: string[];
  infos: string[];
}

export type InstantQueryResult = QueryData & QueryMeta;
export type RangeQueryResult = { resultType: 'matrix'; result: MatrixSeries[] } & QueryMeta;

/** The samples of an instant vector result; throws if the result is another type. */
export function asVector(result: QueryData): VectorSample[] {
  if (result.resultType !== 'vector') throw new Error(`expected a vector result, got ${result.resultType}`);
  return result.result;
}

/** The value of a scalar result, or of a one-element vector result. */
export function asScalar(result: QueryData): number {
  if (result.resultType === 'scalar') return result.result.value;
  if (result.resultType === 'vector' && result.result.length === 1) return (result.result[0] as VectorSample).value;
  const size = result.resultType === 'vector' ? `${result.result.length} series` : result.resultType;
  throw new Error(`expected a scalar or single-series result, got ${size}`);
}

// ---------------------------------------------------------------------------------------
// Wire schemas (zod) and decoding.

const labelsSchema = z.record(z.string(), z.string());
const samplePairSchema = z.tuple([z.number(), z.string()]);
const histogramSchema = z.object({
  count: z.string(),
  sum: z.string(),
  buckets: z.array(z.tuple([z.number(), z.string(), z.string(), z.string()])).optional(),
});
const vectorItemSchema = z.object({
  metric: labelsSchema,
  value: samplePairSchema.optional(),
  histogram: z.tuple([z.number(), histogramSchema]).optional(),
});
const matrixItemSchema = z.object({
  metric: labelsSchema,
  values: z.array(samplePairSchema).optional(),
  histograms: z.array(z.tuple([z.number(), histogramSchema])).optional(),
});
export const queryDataSchema = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('vector'), result: z.array(vectorItemSchema) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(matrixItemSchema) }),
  z.object({ resultType: z.literal('scalar'), result: samplePairSchema }),
  z.object({ resultType: z.literal('string'), result: samplePairSchema }),
]);
type WireQueryData = z.infer<typeof queryDataSchema>;

const envelopeSchema = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
});

function decodeHistogram(h: z.infer<typeof histogramSchema>): NativeHistogram {
  return {
    count: parseSampleValue(h.count),
    sum: parseSampleValue(h.sum),
    buckets: (h.buckets ?? []).map(([boundaryRule, lower, upper, count]) => ({
      boundaryRule,
      lower: parseSampleValue(lower),
      upper: parseSampleValue(upper),
      count: parseSampleValue(count),
    })),
  };
}

export function decodeQueryData(data: WireQueryData): QueryData {
  switch (data.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        result: data.result.map((item) => {
          if (item.histogram) {
            return {
              labels: item.metric,
              timestamp: item.histogram[0],
              value: Number.NaN,
              histogram: decodeHistogram(item.histogram[1]),
            };
          }
          const [timestamp, value] = item.value ?? [Number.NaN, 'NaN'];
          return { labels: item.metric, timestamp, value: parseSampleValue(value) };
        }),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: data.result.map((item) => {
          const series: MatrixSeries = {
            labels: item.metric,
            samples: (item.values ?? []).map(([timestamp, value]) => ({ timestamp, value: parseSampleValue(value) })),
          };
          if (item.histograms) {
            series.histograms = item.histograms.map(([timestamp, h]) => ({ timestamp, histogram: decodeHistogram(h) }));
          }
          return series;
        }),
      };
    case 'scalar':
      return { resultType: 'scalar', result: { timestamp: data.result[0], value: parseSampleValue(data.result[1]) } };
    case 'string':
      return { resultType: 'string', result: { timestamp: data.result[0], value: data.result[1] } };
  }
}

const targetSchema = z.looseObject({
  discoveredLabels: labelsSchema.optional(),
  labels: labelsSchema,
  scrapePool: z.string(),
  scrapeUrl: z.string(),
  globalUrl: z.string().optional(),
  lastError: z.string(),
  lastScrape: z.string(),
  lastScrapeDuration: z.number(),
  health: z.enum(['up', 'down', 'unknown']),
  scrapeInterval: z.string().optional(),
  scrapeTimeout: z.string().optional(),
});
const droppedTargetSchema = z.looseObject({ discoveredLabels: labelsSchema, scrapePool: z.string().optional() });
const targetsSchema = z.looseObject({
  activeTargets: z.array(targetSchema),
  droppedTargets: z.array(droppedTargetSchema).optional().default([]),
  droppedTargetCounts: z.record(z.string(), z.number()).nullish(), // Prometheus sends null when it filters by state
});
export type ActiveTarget = z.infer<typeof targetSchema>;
export type DroppedTarget = z.infer<typeof droppedTargetSchema>;
export type TargetsResult = z.infer<typeof targetsSchema>;

// Types derived with Omit<> below: plain objects (unknown keys stripped), since Omit over a
// loose object's index signature would erase the known keys.
const alertSchema = z.object({
  labels: labelsSchema,
  annotations: labelsSchema,
  state: z.enum(['inactive', 'pending', 'firing']),
  activeAt: z.string().optional(),
  keepFiringSince: z.string().optional(),
  value: z.string(),
});
export type WireAlert = z.infer<typeof alertSchema>;
export interface PrometheusAlert extends Omit<WireAlert, 'value'> {
  /** The alert expression's value when it last fired, decoded. */
  value: number;
  /** As sent, e.g. "1e+00". */
  rawValue: string;
}

function decodeAlert(a: WireAlert): PrometheusAlert {
  return { ...a, value: parseSampleValue(a.value), rawValue: a.value };
}

const ruleCommon = {
  name: z.string(),
  query: z.string(),
  labels: labelsSchema.optional(),
  health: z.enum(['ok', 'err', 'unknown']),
  lastError: z.string().optional(),
  evaluationTime: z.number(),
  lastEvaluation: z.string(),
};
const alertingRuleSchema = z.object({
  ...ruleCommon,
  type: z.literal('alerting'),
  state: z.enum(['inactive', 'pending', 'firing', 'unknown']),
  duration: z.number(),
  keepFiringFor: z.number().optional(),
  annotations: labelsSchema,
  alerts: z.array(alertSchema),
});
const recordingRuleSchema = z.object({ ...ruleCommon, type: z.literal('recording') });
const ruleGroupSchema = z.object({
  name: z.string(),
  file: z.string(),
  interval: z.number(),
  limit: z.number().optional(),
  rules: z.array(z.discriminatedUnion('type', [alertingRuleSchema, recordingRuleSchema])),
  evaluationTime: z.number().optional(),
  lastEvaluation: z.string().optional(),
});
const rulesSchema = z.object({ groups: z.array(ruleGroupSchema), groupNextToken: z.string().optional() });

export type AlertingRule = Omit<z.infer<typeof alertingRuleSchema>, 'alerts'> & { alerts: PrometheusAlert[] };
export type RecordingRule = z.infer<typeof recordingRuleSchema>;
export type Rule = AlertingRule | RecordingRule;
export type RuleGroup = Omit<z.infer<typeof ruleGroupSchema>, 'rules'> & { rules: Rule[] };

const buildInfoSchema = z.looseObject({
  version: z.string(),
  revision: z.string(),
  branch: z.string(),
  buildUser: z.string(),
  buildDate: z.string(),
  goVersion: z.string(),
});
export type BuildInfo = z.infer<typeof buildInfoSchema>;

const runtimeInfoSchema = z.looseObject({
  startTime: z.string(),
  CWD: z.string().optional(),
  reloadConfigSuccess: z.boolean(),
  lastConfigTime: z.string(),
  corruptionCount: z.number().optional(),
  goroutineCount: z.number().optional(),
  GOMAXPROCS: z.number().optional(),
  GOMEMLIMIT: z.number().optional(),
  GOGC: z.string().optional(),
  GODEBUG: z.string().optional(),
  storageRetention: z.string().optional(),
});
export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

// ---------------------------------------------------------------------------------------

/** Prometheus answered `{"status":"error"}`: carries its errorType and error text. */
export class PrometheusApiError extends HttpError {
  readonly errorType: string;
  readonly apiError: string;
  constructor(res: HttpResponse, errorType: string, apiError: string) {
    super({
      method: res.method,
      url: res.url,
      kind: 'status',
      status: res.status,
      detail: `${errorType}: ${apiError}`,
    });
    this.errorType = errorType;
    this.apiError = apiError;
  }
}

export interface ReadyStatus {
  ready: boolean;
  /** HTTP status, or null if the server could not be reached. */
  status: number | null;
  /** Response body, or the network error. */
  detail: string;
}

export interface QueryOptions {
  /** Where the query came from, for syntax error messages. */
  where?: QueryLocation;
  /** Server-side evaluation timeout, e.g. "30s". */
  timeout?: string;
  /** Maximum number of returned series (Prometheus ≥ 2.54). */
  limit?: number;
}

export interface RulesFilter {
  type?: 'alert' | 'record';
  ruleName?: string[];
  ruleGroup?: string[];
  file?: string[];
  excludeAlerts?: boolean;
}

interface ApiResult<T> {
  data: T;
  warnings: string[];
  infos: string[];
}

export class PrometheusClient extends ApiClient {
  private async api<T>(
    method: HttpMethod,
    path: string,
    schema: z.ZodType<T>,
    params?: QueryParams,
  ): Promise<ApiResult<T>> {
    const res = await this.http.request(
      method,
      path,
      method === 'GET' ? { query: params } : { form: params ?? {} },
    );
    const parsed = tryParseJson(res.text);
    if (!parsed.ok) {
      expectOk(res); // a non-2xx text response (e.g. from a proxy) reports its status and body
      parseJsonBody(res); // a 2xx that is not JSON reports a decode error
    }
    const body = parsed.ok ? parsed.value : undefined;
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success) {
      expectOk(res);
      decodeWith(res, envelopeSchema, body); // throws, naming the bad field
    }
    if (!envelope.success) throw new Error('unreachable');
    if (envelope.data.status === 'error') {
      throw new PrometheusApiError(res, envelope.data.errorType ?? 'error', envelope.data.error ?? '(no error text)');
    }
    expectOk(res);
    return {
      data: decodeWith(res, schema, envelope.data.data),
      warnings: envelope.data.warnings ?? [],
      infos: envelope.data.infos ?? [],
    };
  }

  /** GET/POST /api/v1/query. `time` defaults to the server's now. */
  async instantQuery(expr: string, time?: TimeInput, options: QueryOptions = {}): Promise<InstantQueryResult> {
    validateQuery('promql', expr, options.where);
    const { data, warnings, infos } = await this.api('POST', '/api/v1/query', queryDataSchema, {
      query: expr,
      time: time === undefined ? undefined : formatPromTime(time),
      timeout: options.timeout,
      limit: options.limit,
    });
    return { ...decodeQueryData(data), query: expr, warnings, infos };
  }

  /** POST /api/v1/query_range. `step` is seconds or a duration string ("15s"). */
  async rangeQuery(
    expr: string,
    start: TimeInput,
    end: TimeInput,
    step: number | string,
    options: QueryOptions = {},
  ): Promise<RangeQueryResult> {
    validateQuery('promql', expr, options.where);
    if (typeof step === 'string') parseDuration(step); // fail early on a bad step
    else if (!(step > 0)) throw new RangeError(`range query step must be > 0, got ${step}`);
    const { data, warnings, infos } = await this.api('POST', '/api/v1/query_range', queryDataSchema, {
      query: expr,
      start: formatPromTime(start),
      end: formatPromTime(end),
      step: String(step),
      timeout: options.timeout,
      limit: options.limit,
    });
    const decoded = decodeQueryData(data);
    if (decoded.resultType !== 'matrix') {
      throw new Error(`range query returned ${decoded.resultType}, expected matrix: ${expr}`);
    }
    return { ...decoded, query: expr, warnings, infos };
  }

  /** GET /api/v1/targets. */
  async targets(state: 'active' | 'dropped' | 'any' = 'any', scrapePool?: string): Promise<TargetsResult> {
    return (await this.api('GET', '/api/v1/targets', targetsSchema, { state, scrapePool })).data;
  }

  /** GET /api/v1/rules. */
  async rules(filter: RulesFilter = {}): Promise<RuleGroup[]> {
    const { data } = await this.api('GET', '/api/v1/rules', rulesSchema, {
      type: filter.type,
      'rule_name[]': filter.ruleName,
      'rule_group[]': filter.ruleGroup,
      'file[]': filter.file,
      exclude_alerts: filter.excludeAlerts,
    });
    return data.groups.map((g) => ({
      ...g,
      rules: g.rules.map((r): Rule => (r.type === 'alerting' ? { ...r, alerts: r.alerts.map(decodeAlert) } : r)),
    }));
  }

  /** GET /api/v1/alerts: the pending and firing alerts of all alerting rules. */
  async alerts(): Promise<PrometheusAlert[]> {
    const { data } = await this.api('GET', '/api/v1/alerts', z.looseObject({ alerts: z.array(alertSchema) }));
    return data.alerts.map(decodeAlert);
  }

  /** GET /api/v1/status/flags. */
  async flags(): Promise<Record<string, string>> {
    return (await this.api('GET', '/api/v1/status/flags', z.record(z.string(), z.string()))).data;
  }

  /** GET /api/v1/status/buildinfo. */
  async buildInfo(): Promise<BuildInfo> {
    return (await this.api('GET', '/api/v1/status/buildinfo', buildInfoSchema)).data;
  }

  /** GET /api/v1/status/runtimeinfo. */
  async runtimeInfo(): Promise<RuntimeInfo> {
    return (await this.api('GET', '/api/v1/status/runtimeinfo', runtimeInfoSchema)).data;
  }

  /** POST /api/v1/series: the label sets of the series matching any of `match`. */
  async series(match: readonly string[], start?: TimeInput, end?: TimeInput, options: QueryOptions = {}): Promise<Labels[]> {
    if (match.length === 0) throw new Error('series() needs at least one selector');
    match.forEach((m, i) =>
      validateQuery('promql', m, options.where ?? { file: '(series call)', field: `match[${i}]` }),
    );
    const { data } = await this.api('POST', '/api/v1/series', z.array(labelsSchema), {
      'match[]': match,
      start: start === undefined ? undefined : formatPromTime(start),
      end: end === undefined ? undefined : formatPromTime(end),
      limit: options.limit,
    });
    return data;
  }

  /** GET /api/v1/label/<name>/values. */
  async labelValues(
    name: string,
    options: { match?: readonly string[]; start?: TimeInput; end?: TimeInput } = {},
  ): Promise<string[]> {
    for (const m of options.match ?? []) validateQuery('promql', m);
    const { data } = await this.api('GET', `/api/v1/label/${encodeURIComponent(name)}/values`, z.array(z.string()), {
      'match[]': options.match,
      start: options.start === undefined ? undefined : formatPromTime(options.start),
      end: options.end === undefined ? undefined : formatPromTime(options.end),
    });
    return data;
  }

  /** POST /-/reload (needs --web.enable-lifecycle). Throws `HttpError` unless 2xx. */
  async reload(): Promise<void> {
    await this.http.text('POST', '/-/reload');
  }

  /** GET /-/ready. Never throws: an unreachable server is `{ready: false, status: null}`. */
  async ready(): Promise<ReadyStatus> {
    return probeReady(this.http, '/-/ready');
  }

  /** GET /-/healthy. Never throws. */
  async healthy(): Promise<ReadyStatus> {
    return probeReady(this.http, '/-/healthy');
  }
}

function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Shared by the clients: a readiness endpoint as a value, not an exception. */
export async function probeReady(http: HttpClient, path: string): Promise<ReadyStatus> {
  try {
    const res = await http.request('GET', path);
    return { ready: isOk(res), status: res.status, detail: res.text.trim() };
  } catch (error) {
    if (error instanceof HttpError) return { ready: false, status: null, detail: error.message };
    throw error;
  }
}
