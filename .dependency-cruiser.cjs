/**
 * The house's one way through: data flows scenario → engine → backend (stack, fake
 * services, chaos, load, logs) → assertions → event stream → reporters. A layer may
 * import its own layer or lower ones, never a higher one; no cycles at all.
 * Checked by test/unit/architecture.test.ts (and `npx depcruise -c .dependency-cruiser.cjs harness ...`).
 */
const LAYERS = [
  ['harness/lib', 'fake-services', 'assertions'],
  ['harness/plan', 'harness/events', 'harness/spec'],
  ['harness/render', 'harness/process'],
  ['harness/stack'],
  ['harness/check', 'harness/logs', 'harness/chaos', 'harness/load'],
  ['harness/engine', 'harness/mutate', 'harness/capacity'],
  ['scenarios'],
];
const esc = (s) => s.replace(/[/.]/g, '\\$&');
const anyOf = (dirs) => `^(${dirs.map(esc).join('|')})/`;
const above = (i) => LAYERS.slice(i + 1).flat();

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'an import cycle', from: {}, to: { circular: true } },
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${i}-imports-upward`,
      severity: 'error',
      comment: `${layer.join(', ')} must not import a higher layer (${above(i).join(', ')})`,
      from: { path: anyOf(layer) },
      to: { path: anyOf(above(i)) },
    })),
    {
      name: 'reporters-see-only-events',
      severity: 'error',
      comment: 'reporters are fed by the event stream: they import the event contract, assertions (evidence) and lib only',
      from: { path: '^reports/' },
      to: { path: '^(harness/(?!events/|lib/)|scenarios/|fake-services/)' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { pathNot: '^harness/cli/' },
      to: { path: '^harness/cli/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|runs|test-results)/' },
  },
};
