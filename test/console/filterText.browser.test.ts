/**
 * The incident list's text filters in headless Chromium, on their own: what is typed right after Enter stays,
 * and a filter changed elsewhere still shows in the field.
 */
import type { Page } from 'playwright-core';
import { componentPages } from './fixtures/componentPage';

const pages = componentPages('filterText');

async function openFilter(): Promise<Page> {
  const page = await pages.open();
  await page.evaluate(() => (window as any).filterTextFixture.mount());
  await page.getByLabel('Host').waitFor();
  return page;
}

describe('list text filter', () => {
  it('Given a host filter just committed with Enter, when typing goes on before the next frame, then the field keeps what was typed', async () => {
    const page = await openFilter();
    // All in one task: the commit's new value is rendered (microtasks) and the next keystroke comes before the
    // browser's next frame, so anything that render left to run "after paint" is still waiting.
    await page.evaluate(async () => {
      const input = document.getElementById('filter-host') as HTMLInputElement;
      const type = (text: string) => { input.value = text; input.dispatchEvent(new Event('input', { bubbles: true })); };
      type('web-1');
      input.dispatchEvent(new Event('change', { bubbles: true }));
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
      type('web-12');
    });
    await page.waitForTimeout(100);

    expect(await page.getByLabel('Host').inputValue()).toBe('web-12');
    expect(await page.evaluate(() => (window as any).filterTextFixture.commits)).toEqual(['web-1']);
    await page.close();
  });

  it('Given a committed host filter, when the filter is changed elsewhere (back, a link), then the field shows it', async () => {
    const page = await openFilter();
    await page.getByLabel('Host').fill('web-1');
    await page.getByLabel('Host').press('Enter');
    await page.evaluate(() => (window as any).filterTextFixture.setFromElsewhere(''));
    await page.waitForFunction(() => (document.getElementById('filter-host') as HTMLInputElement).value === '');
    await page.evaluate(() => (window as any).filterTextFixture.setFromElsewhere('web-1'));
    await page.waitForFunction(() => (document.getElementById('filter-host') as HTMLInputElement).value === 'web-1');
    expect(await page.evaluate(() => (window as any).filterTextFixture.commits)).toEqual(['web-1']);
    await page.close();
  });
});
