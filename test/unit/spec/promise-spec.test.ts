import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/lib/errors.ts';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { loadPromiseSpec, SEED_SPEC } from '../../../harness/spec/promise-spec.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function folderWithSpec(edit?: (t: string) => string): string {
  const d = mkdtempSync(join(tmpdir(), 'spec-'));
  dirs.push(d);
  if (edit) writeFileSync(join(d, 'spec.yml'), edit(readFileSync(join(REPO_ROOT, 'monitoring/spec.yml'), 'utf8')));
  return d;
}

describe('the promise spec', () => {
  it("the bundled folders state the seed's numbers", () => {
    const seed = loadPromiseSpec(join(REPO_ROOT, 'monitoring'));
    expect({ ...seed.data, scrape: { ...seed.data.scrape, jobs: [] } }).toEqual({ ...SEED_SPEC, scrape: { ...SEED_SPEC.scrape, jobs: [] } });
    expect(seed.scrapeIntervalMs).toBe(15_000);
    expect(seed.firesWithinMs('ServiceDown')).toBe(105_000);
    expect(seed.ingestionBytesPerSecond).toBe(16 * 1024 * 1024);
    expect(loadPromiseSpec(join(REPO_ROOT, 'monitoring-victorialogs')).data.scrape.jobs).toContain('victorialogs');
  });

  it("a folder without spec.yml is held to the seed's numbers", () => {
    const s = loadPromiseSpec(folderWithSpec());
    expect(s.file).toBeUndefined();
    expect(s.data).toEqual(SEED_SPEC);
    expect(s.where('scrape.interval')).toBe('the seed (no spec.yml): scrape.interval');
  });

  it('a bad value names the file, the field, its line and the fix', () => {
    const d = folderWithSpec((t) => t.replace('firesWithin: 1m45s', 'firesWithin: soon'));
    expect(() => loadPromiseSpec(d, d)).toThrow(UsageError);
    expect(() => loadPromiseSpec(d, d)).toThrow(/spec\.yml: alerts\.ServiceDown\.firesWithin \(line \d+\): expected a duration/);
  });

  it('an unknown key is refused, not ignored', () => {
    const d = folderWithSpec((t) => t.replace('retention:\n', 'retention:\n  traces: 3d\n'));
    expect(() => loadPromiseSpec(d, d)).toThrow(/spec\.yml: retention \(line \d+\): Unrecognized key: "traces"/);
  });

  it('a copy of a bundled folder carries its spec', () => {
    const d = mkdtempSync(join(tmpdir(), 'spec-copy-'));
    dirs.push(d);
    cpSync(join(REPO_ROOT, 'monitoring'), d, { recursive: true });
    expect(loadPromiseSpec(d).file).toBe(join(d, 'spec.yml'));
  });
});
