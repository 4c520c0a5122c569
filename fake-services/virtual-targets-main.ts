/**
 * The virtual scrape targets as their own process: the containers backend runs them in a
 * container named capacity-targets on the stack's network, where its Prometheus can scrape
 * them, with Node's type stripping: `node fake-services/virtual-targets-main.ts`. PORT
 * (default 7046) from the environment; the size is set with `PUT /series/<n>`.
 */
import { VirtualTargets } from './virtual-targets.ts';

const port = Number(process.env.PORT ?? 7046);
const targets = new VirtualTargets();
await targets.start(port, '0.0.0.0');
process.stdout.write(`virtual targets listening on :${port}\n`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void targets.stop().then(() => process.exit(0)));
