/**
 * A typed client for the Alertmanager v2 API: the alerts it holds (with their
 * active/suppressed state and receivers), its status, its silences, readiness.
 */

import { z } from 'zod';
import { ApiClient } from './http-client.ts';
import { type Labels, type ReadyStatus, probeReady } from './prometheus.ts';

const labelsSchema = z.record(z.string(), z.string());

const alertSchema = z.looseObject({
  labels: labelsSchema,
  annotations: labelsSchema,
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.string(),
  generatorURL: z.string().optional(),
  fingerprint: z.string(),
  receivers: z.array(z.looseObject({ name: z.string() })),
  status: z.looseObject({
    state: z.enum(['unprocessed', 'active', 'suppressed']),
    silencedBy: z.array(z.string()),
    inhibitedBy: z.array(z.string()),
    mutedBy: z.array(z.string()).optional(),
  }),
});
export type AlertmanagerAlert = z.infer<typeof alertSchema>;

const matcherSchema = z.looseObject({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  isEqual: z.boolean().optional(),
});

const silenceSchema = z.looseObject({
  id: z.string(),
  status: z.looseObject({ state: z.enum(['expired', 'active', 'pending']) }),
  updatedAt: z.string(),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});
export type Silence = z.infer<typeof silenceSchema>;

const statusSchema = z.looseObject({
  cluster: z.looseObject({
    name: z.string().optional(),
    status: z.enum(['ready', 'settling', 'disabled']),
    peers: z.array(z.looseObject({ name: z.string(), address: z.string() })).optional(),
  }),
  versionInfo: z.looseObject({
    version: z.string(),
    revision: z.string(),
    branch: z.string(),
    buildUser: z.string(),
    buildDate: z.string(),
    goVersion: z.string(),
  }),
  config: z.looseObject({ original: z.string() }),
  uptime: z.string(),
});
export type AlertmanagerStatus = z.infer<typeof statusSchema>;

export interface AlertFilter {
  /**
   * Matchers: either Alertmanager matcher strings (`alertname="ServiceDown"`,
   * `severity=~"crit.*"`) or a label → value record for equality matchers.
   */
  matchers?: readonly string[] | Readonly<Labels>;
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  unprocessed?: boolean;
  /** Regex on receiver names. */
  receiver?: string;
}

function matcherStrings(m: AlertFilter['matchers']): string[] | undefined {
  if (m === undefined) return undefined;
  if (Array.isArray(m)) return [...(m as readonly string[])];
  return Object.entries(m as Readonly<Labels>).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
}

export class AlertmanagerClient extends ApiClient {
  /** GET /api/v2/alerts. */
  async alerts(filter: AlertFilter = {}): Promise<AlertmanagerAlert[]> {
    return this.http.getJson('/api/v2/alerts', {
      schema: z.array(alertSchema),
      query: {
        filter: matcherStrings(filter.matchers),
        active: filter.active,
        silenced: filter.silenced,
        inhibited: filter.inhibited,
        unprocessed: filter.unprocessed,
        receiver: filter.receiver,
      },
    });
  }

  /** GET /api/v2/status. */
  async status(): Promise<AlertmanagerStatus> {
    return this.http.getJson('/api/v2/status', { schema: statusSchema });
  }

  /** GET /api/v2/silences. */
  async silences(matchers?: AlertFilter['matchers']): Promise<Silence[]> {
    return this.http.getJson('/api/v2/silences', {
      schema: z.array(silenceSchema),
      query: { filter: matcherStrings(matchers) },
    });
  }

  /** GET /-/ready. Never throws. */
  async ready(): Promise<ReadyStatus> {
    return probeReady(this.http, '/-/ready');
  }
}
