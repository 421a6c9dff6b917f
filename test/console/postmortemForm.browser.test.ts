/**
 * The postmortem form in headless Chromium, on its own: an incident update (a live message, a reload) that
 * lands just before the first edit must not put the incident's draft back over that edit.
 */
import type { Page } from 'playwright-core';
import type { Incident } from '../../src/console/api/types';
import { componentPages } from './fixtures/componentPage';

const pages = componentPages('postmortemForm');

const resolvedIncident: Incident = {
  id: '7f1c2b8e-0000-4000-8000-000000000001', title: 'Disk full on web-1', description: null, severity: 'high',
  state: 'resolved', hostId: 'web-1', workflowId: null, assigneeUserId: null, assigneeEmail: null, ackDueAt: null,
  nextEscalationAt: null, escalationCount: 0,
  postmortem: { status: 'not_started', summary: null, impact: null, rootCause: null, actionItems: [] },
  createdAt: '2026-12-01T10:00:00.000Z', createdBy: 'user-oscar', updatedAt: '2026-12-01T10:05:00.000Z',
  acknowledgedAt: null, resolvedAt: '2026-12-01T10:05:00.000Z', closedAt: null, version: 2, source: null,
};

async function openForm(): Promise<Page> {
  const page = await pages.open();
  await page.evaluate((incident) => (window as any).postmortemFixture.mount(incident), resolvedIncident);
  await page.getByLabel('Postmortem status').waitFor();
  return page;
}

describe('postmortem form', () => {
  it('Given the incident was just replaced by an equal copy, when the status is changed in the same moment, then the edit stays and is what Save sends', async () => {
    const page = await openForm();

    // All in one task: the copy is rendered (microtasks), and the edit comes before the browser's next frame,
    // so anything the copy's render left to run "after paint" is still waiting when the edit renders.
    await page.evaluate(async (incident) => {
      const fixture = (window as any).postmortemFixture;
      fixture.replaceIncident({ ...incident });
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
      const select = document.getElementById('postmortem-status') as HTMLSelectElement;
      select.value = 'published';
      select.dispatchEvent(new Event('change', { bubbles: true }));
      const summary = document.getElementById('postmortem-summary') as HTMLTextAreaElement;
      summary.value = 'Logs filled the disk.';
      summary.dispatchEvent(new Event('input', { bubbles: true }));
    }, resolvedIncident);
    await page.waitForTimeout(100);

    expect(await page.getByLabel('Postmortem status').inputValue()).toBe('published');
    expect(await page.getByLabel('Summary').inputValue()).toBe('Logs filled the disk.');
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save postmortem' }).click();
    await page.getByRole('status').filter({ hasText: 'Postmortem saved (Published)' }).waitFor();
    const sent = await page.evaluate(() => (window as any).postmortemFixture.sent);
    expect(sent).toEqual([{ body: expect.objectContaining({ status: 'published', summary: 'Logs filled the disk.' }), ifMatchVersion: 2 }]);
    await page.close();
  });

  it('Given an untouched form, when a newer version of the incident comes in, then the form shows it and saves against it', async () => {
    const page = await openForm();
    await page.evaluate((incident) => (window as any).postmortemFixture.replaceIncident({
      ...incident, version: 3, postmortem: { ...incident.postmortem, status: 'draft', summary: 'Written elsewhere.' },
    }), resolvedIncident);

    await page.waitForFunction(() => (document.getElementById('postmortem-summary') as HTMLTextAreaElement).value === 'Written elsewhere.');
    expect(await page.getByLabel('Postmortem status').inputValue()).toBe('draft');
    expect(await page.getByText('Unsaved changes').count()).toBe(0);
    await page.getByLabel('Impact').fill('Checkout was down for 5 minutes.');
    await page.getByRole('button', { name: 'Save postmortem' }).click();
    await page.getByRole('status').filter({ hasText: 'Postmortem saved (Draft)' }).waitFor();
    const sent = await page.evaluate(() => (window as any).postmortemFixture.sent);
    expect(sent).toEqual([{ body: expect.objectContaining({ status: 'draft', summary: 'Written elsewhere.', impact: 'Checkout was down for 5 minutes.' }), ifMatchVersion: 3 }]);
    await page.close();
  });
});
