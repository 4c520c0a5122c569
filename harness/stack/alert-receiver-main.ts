/**
 * The webhook receiver as its own process: the containers backend runs it in a container
 * named alert-receiver on the stack's network (the folder's Alertmanager config already
 * sends there), with Node's type stripping: `node harness/stack/alert-receiver-main.ts`.
 * PORT (default 9095) and JOURNAL (default /data/notifications.jsonl) from the environment.
 */
import { AlertReceiver } from './alert-receiver.ts';

const receiver = new AlertReceiver(Number(process.env.PORT ?? 9095), process.env.JOURNAL ?? '/data/notifications.jsonl', '0.0.0.0');
await receiver.start();
process.stdout.write(`alert receiver listening on :${process.env.PORT ?? 9095}\n`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void receiver.stop().then(() => process.exit(0)));
