/**
 * vitest's global setup: find (and, for the packaged Chromium, unpack) the browser once, before the
 * test files start in parallel, so two of them never unpack it into the same place at once.
 */
import { findBrowser } from './browser.ts';

export default async function setup(): Promise<void> {
  await findBrowser();
}
