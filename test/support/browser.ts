/**
 * The browser the console tests drive: headless Chromium through playwright-core, never a browser download.
 * Found in this order: CHROMIUM_PATH, Debian's /usr/bin/chromium, Playwright's own build if one is
 * installed, Google Chrome. With none and running as root, Debian's is installed (as .ci/run does);
 * otherwise the run stops with one line saying what to install — browser tests are never skipped silently.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** The flags this machine's closed network needs: no background calls home, no sandbox as root. */
export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function playwrightsOwn(): string | undefined {
  try {
    const candidate = chromium.executablePath();
    return candidate !== '' ? candidate : undefined;
  } catch {
    return undefined;
  }
}

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    playwrightsOwn(),
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
  ];
  return candidates.find((candidate): candidate is string => candidate !== undefined && candidate !== '' && existsSync(candidate));
}

export type EnsureOptions = Readonly<{
  find?: () => string | undefined;
  /** Whether we may install Debian's package (root on a machine with apt-get). */
  mayInstall?: boolean;
  install?: () => void;
}>;

const installDebianChromium = () => {
  process.stderr.write('No Chromium found: installing Debian\'s chromium for the console tests…\n');
  execFileSync('bash', [path.join(__dirname, '..', '..', '.ci', 'install-chromium.sh')], { stdio: 'inherit' });
};

/** Finds a browser, installing Debian's chromium when none is there and we may (root); else throws one line. */
export function ensureChromium(options: EnsureOptions = {}): string {
  const find = options.find ?? (() => findChromium());
  const found = find();
  if (found !== undefined) return found;
  if (options.mayInstall ?? (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get'))) {
    (options.install ?? installDebianChromium)();
    const installed = find();
    if (installed !== undefined) return installed;
  }
  throw new Error(
    'The console tests need Chromium: install it (Debian: `sudo apt-get install chromium`) or set CHROMIUM_PATH to a Chrome/Chromium binary.',
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), args: chromiumArgs });
}
