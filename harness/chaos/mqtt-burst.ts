/**
 * A burst of MQTT publishes straight to the broker (QoS 0, eight topics), until cleared:
 * what the dashboard's MQTT Activity panel must follow. The client and its timer live in
 * the handle, so every run (and every burst) has its own.
 */
import type { MqttClient } from 'mqtt';
import type { FaultModule } from './fault-module.ts';

export interface MqttBurstParams {
  publishesPerSecond: number;
}

interface BurstHandle {
  client: MqttClient;
  timer: NodeJS.Timeout;
  sent: number;
}

export const mqttBurst: FaultModule<MqttBurstParams> = {
  kind: 'mqtt-burst',
  describe: (p) => `burst of ${p.publishesPerSecond} MQTT publishes/s to the broker`,
  async inject(ctx, p): Promise<BurstHandle> {
    const { connectAsync } = await import('mqtt');
    const port = ctx.env.stack.topology.component.mosquitto.port;
    const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `harness-burst-${process.pid}-${Date.now()}`, reconnectPeriod: 0 });
    const handle: BurstHandle = { client, sent: 0, timer: undefined as unknown as NodeJS.Timeout };
    // Ten ticks a second: smooth enough for a 15 s scrape to see a steady rate.
    const perTick = Math.max(1, Math.round(p.publishesPerSecond / 10));
    handle.timer = setInterval(() => {
      for (let i = 0; i < perTick; i++) client.publish(`harness/burst/${i % 8}`, `burst ${handle.sent++}`, { qos: 0 });
    }, 100);
    return handle;
  },
  async clear(_ctx, _p, handle) {
    const h = handle as BurstHandle | undefined;
    if (!h) return;
    clearInterval(h.timer);
    await h.client.endAsync();
  },
};
