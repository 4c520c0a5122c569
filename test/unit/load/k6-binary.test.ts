/** k6 is AGPL-3.0: never built here, found only where the user puts it, and a clear answer otherwise. */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { k6Binary } from '../../../harness/load/k6.ts';
import { UsageError } from '../../../harness/lib/errors.ts';

const saved = { K6_BIN: process.env.K6_BIN, PATH: process.env.PATH };
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.K6_BIN === undefined) delete process.env.K6_BIN;
  else process.env.K6_BIN = saved.K6_BIN;
});

describe('k6Binary', () => {
  it('without K6_BIN or k6 on PATH: a UsageError that says it is AGPL and user-supplied, and how to supply it', () => {
    delete process.env.K6_BIN;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'empty-path-'));
    expect(() => k6Binary()).toThrow(UsageError);
    expect(() => k6Binary()).toThrow(/k6 is not available: it is AGPL-3\.0/);
    try {
      k6Binary();
    } catch (e) {
      expect((e as UsageError).details.fix).toMatch(/K6_BIN/);
    }
  });

  it('uses the k6 the user put on PATH, and refuses a K6_BIN that is not executable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'user-k6-'));
    const k6 = join(dir, 'k6');
    writeFileSync(k6, '#!/bin/sh\necho "k6 v1.8.1"\n');
    chmodSync(k6, 0o755);
    delete process.env.K6_BIN;
    process.env.PATH = dir;
    expect(k6Binary()).toBe(k6);
    process.env.K6_BIN = join(dir, 'missing');
    expect(() => k6Binary()).toThrow(/K6_BIN=.* is not an executable file/);
  });
});
