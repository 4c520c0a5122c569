/** Chromium (Debian's, driven by playwright-core) for tests that open a report as a user would. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Why a browser test is skipped here, or undefined; in CI a missing browser is a failure, not a skip. */
export const chromiumSkipReason = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is missing (apt-get install chromium); CI is unset, so the browser test is skipped` : undefined;

export interface Browser {
  context: BrowserContext;
  /** Opens a file: the page, its console errors, and every request it made beyond itself. */
  open(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  // A fresh profile per launch (launchPersistentContext is how Playwright takes a user-data dir).
  const userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    async open(file) {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      return { page, errors, requests: requests.filter((r) => r !== url) };
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
