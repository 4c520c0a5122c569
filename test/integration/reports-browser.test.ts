/**
 * The HTML report in a real browser: Debian's Chromium opens the generated report.html of
 * the passing and the failing fixture run from disk (file://), the key elements are
 * visible, nothing is logged as an error, and the page requests nothing but itself.
 * Screenshots go to test-results/reports/ as artifacts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromiumSkipReason, launchChromium, type Browser } from '../support/chromium.ts';
import type { RunEvent } from '../../harness/events/run-events.ts';
import { HtmlReporter } from '../../reports/html-reporter.ts';
import { writeIndex } from '../../reports/index-html.ts';
import { failingRun, feed, passingRun } from '../unit/reports/fixtures.ts';

const skipReason = chromiumSkipReason;
if (skipReason) console.warn(`reports-browser: ${skipReason}`);

const ARTIFACTS = resolve(import.meta.dirname, '../../test-results/reports');

describe.skipIf(skipReason !== undefined)('report.html in Chromium', () => {
  let browser: Browser;
  let outDir: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    outDir = mkdtempSync(join(tmpdir(), 'reports-browser-'));
    for (const [name, events] of [['pass', passingRun()], ['fail', failingRun()]] as Array<[string, RunEvent[]]>) {
      await feed(new HtmlReporter(join(outDir, name)), events);
    }
    writeIndex(outDir, [
      { scenario: 'high-error-rate', verdict: 'pass', reportPath: 'pass/report.html', durationMs: 89_000 },
      { scenario: 'service-down', verdict: 'fail', reportPath: 'fail/report.html', durationMs: 90_000 },
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  const open = (file: string) => browser.open(file);

  for (const [name, verdict, scenario] of [
    ['pass', 'PASSED', 'high-error-rate'],
    ['fail', 'FAILED', 'service-down'],
  ] as const) {
    it(`shows the ${name}ing run: verdict, assertions, charts; no errors, no requests`, async () => {
      const { page, errors, requests } = await open(join(outDir, name, 'report.html'));
      const v = page.locator('#verdict');
      await expect(v.isVisible()).resolves.toBe(true);
      expect((await v.textContent())?.trim()).toBe(verdict);
      await expect(page.locator('h1').textContent()).resolves.toContain(scenario);

      const assertions = page.locator('article.assertion');
      const n = await assertions.count();
      expect(n).toBeGreaterThanOrEqual(4);
      for (let i = 0; i < n; i++) {
        const a = assertions.nth(i);
        await a.scrollIntoViewIfNeeded();
        expect(await a.isVisible()).toBe(true);
        expect(await a.locator('svg.chart').isVisible()).toBe(true);
        const box = await a.locator('svg.chart').boundingBox();
        expect(box!.width).toBeGreaterThan(300);
        expect(box!.height).toBeGreaterThan(100);
      }
      expect(await page.locator('svg.timeline').first().isVisible()).toBe(true);
      expect(await page.locator('table.config-changes').isVisible()).toBe(true);
      if (name === 'fail') {
        expect(await page.locator('#why').isVisible()).toBe(true);
        expect(await page.locator('.log-tails').isVisible()).toBe(true);
        // Escaped log text shows as text, not markup.
        expect(await page.locator('pre.log', { hasText: "<script>alert('x')</script>" }).count()).toBeGreaterThan(0);
      } else {
        expect(await page.locator('.log-tails').count()).toBe(0);
        expect(await page.locator('.notification').count()).toBe(2);
      }
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(ARTIFACTS, `${name}-top.png`) });
      await page.screenshot({ path: join(ARTIFACTS, `${name}-full.png`), fullPage: true });

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    });
  }

  it('prints (PDF) without errors', async () => {
    const { page, errors } = await open(join(outDir, 'fail', 'report.html'));
    const pdf = await page.pdf({ format: 'A4', printBackground: true, path: join(ARTIFACTS, 'fail.pdf') });
    expect(pdf.byteLength).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('index.html links each report relatively, and the links open', async () => {
    const { page, errors, requests } = await open(join(outDir, 'index.html'));
    expect((await page.locator('#verdict').textContent())?.trim()).toBe('FAILED');
    const hrefs = await page.locator('table.matrix a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['pass/report.html', 'fail/report.html']);
    await page.screenshot({ path: join(ARTIFACTS, 'index.png') });
    await page.locator('table.matrix a', { hasText: 'FAIL' }).click();
    await page.waitForLoadState('load');
    expect((await page.locator('#verdict').textContent())?.trim()).toBe('FAILED');
    expect(errors).toEqual([]);
    expect(requests.filter((r) => !r.endsWith('/fail/report.html'))).toEqual([]);
    await page.close();
  });
});
