/**
 * Editing a YAML config in place while recording every change: the renderer's one tool.
 * Comments and layout survive (yaml's Document API), and each `set` leaves a ConfigChange
 * so a report can say exactly what was tested.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseDocument, isMap, isSeq, isScalar, type Document } from 'yaml';
import { UsageError } from '../lib/errors.ts';
import type { ChangeKind, ConfigChange } from '../events/config-change.ts';
import type { Topology } from '../plan/topology.ts';

export type { ConfigChange } from '../events/config-change.ts';

export class Recorder {
  readonly changes: ConfigChange[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly root: string) {}
  change(file: string, key: string, from: unknown, to: unknown, reason: string, how: ChangeClass = {}): void {
    if (JSON.stringify(from) === JSON.stringify(to)) return;
    const kind = how.kind ?? 'harness-plumbing';
    this.changes.push({ file: this.display(file), key, from, to, reason, kind, ...(how.storage ? { storage: how.storage } : {}) });
    // A rewrite that cannot keep the config's meaning is said out loud, in every report.
    if (kind === 'cannot-keep-meaning') this.warnings.push(`${this.display(file)}: ${key}: ${reason}`);
  }

  /** How a change names its file: relative to the rendered root. */
  display(file: string): string {
    return relative(this.root, file) || file;
  }
}

export function loadYaml(file: string, label: string, userFile = file): Document {
  if (!existsSync(file)) throw new UsageError(`missing ${label}`, { file: userFile, fix: 'create it, or point --monitoring-dir at a folder that has it' });
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UsageError(`invalid YAML: ${e.message.split('\n')[0]}`, { file: userFile, field: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : undefined, fix: 'correct the YAML syntax' });
  }
  return doc;
}

export type Path = (string | number)[];
export const keyOf = (path: Path): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');

export function scalarAt(doc: Document, path: Path): unknown {
  const v = doc.getIn(path, true);
  return isScalar(v) ? v.value : v === undefined ? undefined : (doc.getIn(path) as unknown);
}

/** What kind of change (default harness plumbing), and for a data path what persistence it keeps. */
export interface ChangeClass {
  kind?: ChangeKind;
  storage?: ConfigChange['storage'];
}

export function set(doc: Document, rec: Recorder, file: string, path: Path, to: unknown, reason: string, how: ChangeClass = {}): void {
  const from = scalarAt(doc, path);
  rec.change(file, keyOf(path), from, to, reason, how);
  doc.setIn(path, to);
}

export function seqLength(doc: Document, path: Path): number {
  const n = doc.getIn(path, true);
  return isSeq(n) ? n.items.length : 0;
}

export function mapKeys(doc: Document, path: Path): string[] {
  const n = path.length ? doc.getIn(path, true) : doc.contents;
  return isMap(n) ? n.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : [];
}

/** `alertmanager:9093` → `127.0.0.1:7033`; undefined for loopback and unknown hosts. */
export function mapAddress(t: Topology, address: string): string | undefined {
  const m = /^([^:/]+):(\d+)$/.exec(address);
  if (!m) return undefined;
  const host = m[1]!;
  if (host === 'localhost' || host === '127.0.0.1') return undefined;
  return t.addressMap.get(host);
}

/** `http://loki:3100/loki/api/v1/push` → `http://127.0.0.1:7032/loki/api/v1/push`. */
export function mapUrl(t: Topology, url: string): string | undefined {
  const m = /^(https?:\/\/)([^/:]+)(?::(\d+))?(.*)$/.exec(url);
  if (!m) return undefined;
  const mapped = t.addressMap.get(m[2]!);
  return mapped ? `http://${mapped}${m[4] ?? ''}` : undefined;
}

/** Replace every string value that is a path the mapper knows, anywhere in the document. */
export function rewritePaths(doc: Document, rec: Recorder, file: string, path: Path, mapper: (p: string) => string | { to: string; how: ChangeClass; reason?: string } | undefined, reason = 'data in the run directory'): void {
  const node = path.length ? doc.getIn(path, true) : doc.contents;
  if (isMap(node)) for (const k of mapKeys(doc, path)) rewritePaths(doc, rec, file, [...path, k], mapper, reason);
  else if (isSeq(node)) for (let i = 0; i < node.items.length; i++) rewritePaths(doc, rec, file, [...path, i], mapper, reason);
  else if (isScalar(node) && typeof node.value === 'string') {
    const to = mapper(node.value);
    if (typeof to === 'string') set(doc, rec, file, path, to, reason, { kind: 'meaning-preserving' });
    else if (to) set(doc, rec, file, path, to.to, to.reason ?? reason, to.how);
  }
}

/** The reason and class of a data path moved natively, from its persistence (plan/volumes.ts). */
export function dataPathChange(storage: 'persistent' | 'ephemeral' | 'discard'): { reason: string; how: ChangeClass } {
  const reason =
    storage === 'persistent' ? 'a Compose volume: a persistent run-folder path'
    : storage === 'ephemeral' ? "the container's own filesystem: a run-folder path wiped whenever the container would be recreated, kept across a restart"
    : '/dev/null keeps nothing, as in the container';
  return { reason, how: { kind: 'meaning-preserving', storage } };
}
