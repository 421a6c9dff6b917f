/** Headless Chromium against the real service: a fresh tab that may talk only to the service, signed in by the start-up link. */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestServer } from '../support/server';

export const artifacts = `${__dirname}/../../test-artifacts`;

// The browser is found (or installed) by test/support/browser.ts, never assumed at one path.
export { launchChromium } from '../support/browser';

export type ConsoleTab = { page: Page; context: BrowserContext; requests: string[]; problems: string[] };

/** `requests`: every API URL the tab asked for, to tell polling from streaming. `problems`: CSP refusals and page errors. */
export async function openConsole(browser: Browser, server: TestServer, token: string,
  viewport: { width: number; height: number } = { width: 1440, height: 1000 }): Promise<ConsoleTab> {
  const context = await browser.newContext({ viewport });
  const requests: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (!url.startsWith(server.baseUrl) && !url.startsWith('data:')) {
      problems.push(`off-origin request: ${url}`);
      return route.abort();
    }
    if (url.includes('/api/')) requests.push(url.slice(server.baseUrl.length));
    return route.continue();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(`${server.baseUrl}/admin#token=${encodeURIComponent(token)}`);
  await page.getByRole('heading', { name: 'Incidents' }).waitFor();
  return { page, context, requests, problems };
}

/** Goes to a console route in the same tab, as following a link would. */
export async function goTo(page: Page, hash: string): Promise<void> {
  await page.evaluate((target) => { window.location.hash = target; }, hash);
}

export async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function callApi<T>(server: TestServer, token: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export type Created = { incident: { id: string; version: number } };

export async function createIncident(server: TestServer, token: string, fields: Record<string, string>): Promise<string> {
  const created = await callApi<Created>(server, token, 'POST', '/api/ops/incidents', { action: 'create', severity: 'high', ...fields });
  return created.incident.id;
}
