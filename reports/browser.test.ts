import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { BROWSER_ENV, BrowserNotFound, findBrowser } from './browser.ts';

describe('finding a browser', () => {
  it('takes the one the variable names, and refuses a path that is not an executable file in one line', async () => {
    const found = await findBrowser({ env: { [BROWSER_ENV]: process.execPath } });
    expect(found).toMatchObject({ executablePath: process.execPath, source: 'env' });
    const refusal = findBrowser({ env: { [BROWSER_ENV]: '/nonexistent/chrome' } });
    await expect(refusal).rejects.toThrow(BrowserNotFound);
    await expect(refusal).rejects.toThrow(/^CLUSTER_SIM_BROWSER=\/nonexistent\/chrome is not an executable file$/);
  });

  it('prefers a system browser to the packaged one', async () => {
    const found = await findBrowser({ env: {}, systemPaths: ['/nonexistent/chromium', process.execPath] });
    expect(found).toMatchObject({ executablePath: process.execPath, source: 'system' });
  });

  it('finds a browser command on the PATH, wherever that is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'browser-path-'));
    try {
      symlinkSync(process.execPath, join(dir, 'chromium-browser'));
      const found = await findBrowser({ env: { PATH: `/nonexistent${process.platform === 'win32' ? ';' : ':'}${dir}` }, packaged: false });
      expect(found).toMatchObject({ executablePath: join(dir, 'chromium-browser'), source: 'system' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says in one line how to get one when there is none', async () => {
    const none = findBrowser({ env: {}, systemPaths: [], packaged: false });
    await expect(none).rejects.toThrow(BrowserNotFound);
    await expect(none).rejects.toThrow(/^no Chromium found: install Chromium or Chrome, or set CLUSTER_SIM_BROWSER to one[^\n]*$/);
  });

  it('finds one on this machine and it renders a page (without a system browser, the one npm install brought)', async () => {
    const found = await findBrowser();
    const browser = await chromium.launch({ executablePath: found.executablePath, args: [...found.args] });
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="x">rendered</p>');
      expect(await page.textContent('#x')).toBe('rendered');
      console.log(`browser: ${found.source} ${found.executablePath} (Chromium ${browser.version()})`);
    } finally {
      await browser.close();
    }
  });
});
