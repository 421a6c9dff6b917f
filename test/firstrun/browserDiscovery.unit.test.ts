/** The console tests find a browser or say what to install: they are never skipped silently. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureChromium, findChromium } from '../support/browser';

describe('finding a browser for the console tests', () => {
  it('CHROMIUM_PATH comes first when it names a file', () => {
    const fake = path.join(mkdtempSync(path.join(tmpdir(), 'browser-')), 'chrome');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findChromium({ CHROMIUM_PATH: fake })).toBe(fake);
  });

  it('a CHROMIUM_PATH that names nothing is passed over for the next candidate', () => {
    expect(findChromium({ CHROMIUM_PATH: '/nonexistent/chrome' })).not.toBe('/nonexistent/chrome');
  });

  it('with no browser and no right to install, the run stops with one line saying what to install', () => {
    const attempt = () => ensureChromium({ find: () => undefined, mayInstall: false });
    expect(attempt).toThrow(/install it \(Debian: `sudo apt-get install chromium`\) or set CHROMIUM_PATH/);
  });

  it('with no browser as root, Debian\'s chromium is installed and then used', () => {
    let installed = false;
    const found = ensureChromium({ find: () => (installed ? '/usr/bin/chromium' : undefined), mayInstall: true, install: () => (installed = true) });
    expect([installed, found]).toEqual([true, '/usr/bin/chromium']);
  });

  it('an install that brings no browser still stops the run', () => {
    expect(() => ensureChromium({ find: () => undefined, mayInstall: true, install: () => undefined })).toThrow(/CHROMIUM_PATH/);
  });
});
