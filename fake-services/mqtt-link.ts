/**
 * Every service's link to Mosquitto: a heartbeat on mcp/<service>/heartbeat, an event on
 * mcp/<service>/events per tool call, and (mqtt-mcp) the broker's $SYS tree. The broker may
 * be absent or go away: mqtt.js reconnects every second, and the log gets one WARN per
 * outage, not one per attempt.
 */
import type { MqttClient } from 'mqtt';
import type { ServiceLogger } from './logfmt.ts';

export class MqttLink {
  private client: MqttClient | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private outage = false;
  private suspended = false;
  private stopped = false;
  connected = false;
  published = 0;
  /** Last value of each $SYS topic seen (mqtt-mcp subscribes to $SYS/#). */
  readonly sys = new Map<string, string>();

  constructor(
    private readonly url: string | undefined,
    private readonly service: string,
    private readonly log: ServiceLogger,
    private readonly heartbeatSeconds: number,
    private readonly subscriptions: string[] = [],
  ) {}

  /** Loads mqtt.js on first use (a service without a broker URL never does) and connects. */
  async start(): Promise<void> {
    if (!this.url || this.client || this.suspended || this.stopped) return;
    this.heartbeat ??= setInterval(
      () => this.publish('heartbeat', { service: this.service, pid: process.pid, ts: new Date().toISOString(), uptime_s: Math.round(process.uptime()) }),
      this.heartbeatSeconds * 1000,
    );
    const { connect } = await import('mqtt');
    // suspend(), stop() or a second start() may have come while the module loaded.
    if (this.client || this.suspended || this.stopped) return;
    const client = connect(this.url, {
      clientId: `${this.service}-${process.pid}`,
      reconnectPeriod: 1000,
      connectTimeout: 3000,
      // Drop QoS 0 messages while offline instead of queueing them without bound.
      queueQoSZero: false,
      // No mqtt-packet number cache: it is 65536 two-byte Buffers (~13 MiB RSS per process) to
      // save an allocation per packet id or length, of which a service sends a few a second.
      writeCache: false,
    });
    this.client = client;
    client.on('connect', () => {
      this.connected = true;
      this.outage = false;
      this.log.info({ broker: this.url, msg: 'mqtt connected' });
      if (this.subscriptions.length) client.subscribe(this.subscriptions, { qos: 0 });
    });
    client.on('message', (topic, payload) => {
      if (topic.startsWith('$SYS/')) this.sys.set(topic, payload.toString());
    });
    // Error/offline wording avoids the words the seed's error LogQL looks for: a broker outage
    // is degraded, not a failed request.
    const down = (code?: string) => {
      this.connected = false;
      if (this.outage) return;
      this.outage = true;
      this.log.warn({ broker: this.url, code, msg: 'mqtt broker unreachable; retrying' });
    };
    client.on('error', (e: Error & { code?: string | number }) => down(String(e.code ?? 'unknown')));
    client.on('offline', () => down());
    client.on('close', () => (this.connected = false));
  }

  /** Fire-and-forget QoS 0; returns false when there is no connection to send on. */
  publish(kind: 'heartbeat' | 'events', body: object): boolean {
    return this.publishRaw(`mcp/${this.service}/${kind}`, JSON.stringify(body));
  }

  publishRaw(topic: string, payload: string | Buffer): boolean {
    if (!this.client || !this.connected) return false;
    this.client.publish(topic, payload, { qos: 0 });
    this.published++;
    return true;
  }

  /** mqtt-disconnect fault: drop the connection and stay away until resume(). */
  async suspend(): Promise<void> {
    this.suspended = true;
    this.outage = true; // the old client's offline/close events must not log a second WARN
    const c = this.client;
    this.client = undefined;
    this.connected = false;
    if (c) {
      await c.endAsync(true);
      this.log.warn({ broker: this.url, msg: 'mqtt connection lost; broker link down' });
    }
  }

  resume(): void {
    this.suspended = false;
    this.outage = false;
    void this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    const c = this.client;
    this.client = undefined;
    await c?.endAsync(true);
  }
}
