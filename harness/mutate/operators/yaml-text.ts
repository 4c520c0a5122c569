/**
 * YAML edits that leave the rest of the file byte for byte as it was, so that a mutant's
 * diff is its mutation and nothing else. A scalar is rewritten in place in the source
 * text, keeping its quoting; a structural edit (operator.ts's editYaml) is printed with
 * KEEP_LAYOUT, under which the bundled folders print back unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isScalar, parseDocument, Scalar, type Document, type ToStringOptions } from 'yaml';

/** Printing options that keep the bundled folders' layout: no folding, `['a']` unpadded. */
export const KEEP_LAYOUT: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false };

type Path = (string | number)[];

function load(dir: string, file: string): { path: string; text: string; doc: Document } {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`${file} is not valid YAML in the copy: ${doc.errors[0]!.message}`);
  return { path, text, doc };
}

/** Whether `text` holds `value` at `path`. */
function holds(text: string, path: Path, value: string | number): boolean {
  const doc = parseDocument(text);
  return doc.errors.length === 0 && doc.getIn(path) === value;
}

/** The scalar written as its node was (plain, double- or single-quoted, one line), or undefined when that style cannot hold it. */
function sameStyle(node: Scalar, value: string | number): string | undefined {
  const text = String(value);
  if (text.includes('\n')) return undefined;
  if (node.type === Scalar.PLAIN) return holds(`k: ${text}\n`, ['k'], value) ? text : typeof value === 'string' ? JSON.stringify(value) : undefined;
  if (typeof value !== 'string') return undefined;
  if (node.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (node.type === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  return undefined;
}

/** Sets the scalar at `path` of one YAML file in the copy to `value`, rewriting only that scalar's text. */
export function setScalar(dir: string, file: string, path: Path, value: string | number): void {
  const { path: abs, text, doc } = load(dir, file);
  const node = doc.getIn(path, true);
  if (!isScalar(node) || !node.range) throw new Error(`${file}: ${path.join('.')} is not a scalar`);
  const written = sameStyle(node, value);
  let out = written === undefined ? undefined : text.slice(0, node.range[0]) + written + text.slice(node.range[1]);
  if (out === undefined || !holds(out, path, value)) {
    // A block scalar, or a flow context the one-line form does not fit: print the document.
    node.value = value;
    out = doc.toString(KEEP_LAYOUT);
  }
  if (!holds(out, path, value)) throw new Error(`${file}: ${path.join('.')} could not be set to ${JSON.stringify(value)}`);
  writeFileSync(abs, out);
}
