/**
 * Finding a Chromium to render reports in (the HTML report's browser test, screenshots). In order:
 *
 * 1. `CLUSTER_SIM_BROWSER`, a path to a Chromium or Chrome binary, when set (an error if it is not
 *    an executable file: the user asked for that one);
 * 2. a system Chromium or Chrome: a browser command on the PATH, or a macOS app bundle;
 * 3. the Chromium that `npm install` brings (`@sparticuz/chromium`, Linux x64), unpacked to the
 *    temporary folder on first use.
 *
 * When none can be had, `findBrowser` throws one line saying how to get one.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

export const BROWSER_ENV = 'CLUSTER_SIM_BROWSER';

export interface FoundBrowser {
  readonly executablePath: string;
  readonly args: readonly string[];
  /** Where it came from, for a log line: the variable, the system or the npm package. */
  readonly source: 'env' | 'system' | 'npm';
}

/** Flags for a headless run on a machine with no network and no display. */
const HEADLESS_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Names a Chromium or Chrome goes by on PATH. */
const BROWSER_COMMANDS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'] as const;

/** Application bundles that are not on PATH (macOS). */
const APP_BUNDLES = ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'] as const;

/** Where a system browser may be: each browser command on the PATH, in PATH order, then the app bundles. */
function systemCandidates(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  return [...dirs.flatMap((d) => BROWSER_COMMANDS.map((name) => join(d, name))), ...APP_BUNDLES];
}

export class BrowserNotFound extends Error {
  override readonly name = 'BrowserNotFound';
}

function executable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The packaged Chromium's module, or null where it is not installed or not for this platform. */
function packagedChromium(): { executablePath(): Promise<string>; args: string[] } | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@sparticuz/chromium') as { default?: unknown };
    return (mod.default ?? mod) as { executablePath(): Promise<string>; args: string[] };
  } catch {
    return null;
  }
}

export interface FindOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Where to look for a system browser (default: the browser commands on PATH, then the app bundles; tests narrow it). */
  readonly systemPaths?: readonly string[];
  /** Whether the npm package's Chromium may be used. */
  readonly packaged?: boolean;
}

export async function findBrowser(options: FindOptions = {}): Promise<FoundBrowser> {
  const env = options.env ?? process.env;
  const named = env[BROWSER_ENV];
  if (named !== undefined && named !== '') {
    if (!executable(named)) throw new BrowserNotFound(`${BROWSER_ENV}=${named} is not an executable file`);
    return { executablePath: named, args: HEADLESS_ARGS, source: 'env' };
  }
  for (const path of options.systemPaths ?? systemCandidates(env)) if (executable(path)) return { executablePath: path, args: HEADLESS_ARGS, source: 'system' };
  const packaged = options.packaged === false ? null : packagedChromium();
  if (packaged !== null) {
    const executablePath = await packaged.executablePath();
    // Its own flags (software GL, no zygote), not its one-process mode, in which a closed page can take the browser down, with our headless set.
    const own = packaged.args.filter((a) => !a.startsWith('--headless') && a !== '--single-process');
    return { executablePath, args: [...new Set([...own, ...HEADLESS_ARGS])], source: 'npm' };
  }
  throw new BrowserNotFound(
    `no Chromium found: install Chromium or Chrome, or set ${BROWSER_ENV} to one (npm install brings one only on Linux x64)`,
  );
}
