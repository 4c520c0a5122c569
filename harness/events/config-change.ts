/**
 * One edit the render made to the runnable copy of the user's config, so a report says
 * exactly what was tested, and of what kind:
 * - meaning-preserving: the same thing at another place (a config file, or data whose
 *   persistence is kept: a volume stays persistent, a container path is wiped on recreate);
 * - harness-plumbing: how the harness reaches or drives the stack (addresses, ports, the
 *   notification receiver, the time scale);
 * - cannot-keep-meaning: no faithful stand-in exists here; a finding, not a silent fix.
 */
export type ChangeKind = 'meaning-preserving' | 'harness-plumbing' | 'cannot-keep-meaning';

export interface ConfigChange {
  file: string;
  key: string;
  from: unknown;
  to: unknown;
  reason: string;
  kind: ChangeKind;
  /** For a moved data path: what survives a restart and a recreate of its container. */
  storage?: 'persistent' | 'ephemeral' | 'discard';
}
