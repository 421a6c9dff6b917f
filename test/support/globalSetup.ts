/** Once before every suite: a browser for the console tests is found or installed now, not in the middle of the run. */
import { ensureChromium } from './browser';

export default function globalSetup(): void {
  process.env.CHROMIUM_PATH = ensureChromium();
}
