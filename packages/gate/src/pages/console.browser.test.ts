import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Seeded, seedConsole } from '../console/seed.test-helper.js';
import { getReview, listReviews } from '../reviews/index.js';
import { sessionCookie, usePagesFixture } from './pages.test-helper.js';

// The IdP sign-in with step-up in front of these pages is covered by test/browser (sam opens /cases on each
// IdP); here the session is the one that sign-in leaves, so the console itself is driven in Chromium.
const SCREENSHOTS = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'test-artifacts',
  'screenshots',
);

const fx = usePagesFixture({
  settings: {
    viewer: { idp: 'okta', groups: ['SecurityTeam', 'HelpDesk'] },
    reviewerGroups: ['SecurityTeam'],
  },
});
let browser: Browser;
/** CSP violations the pages caused (there must be none). */
const cspErrors: string[] = [];

beforeAll(async () => {
  const executablePath = process.env.CHROMIUM_PATH;
  if (!executablePath)
    throw new Error('no Chromium: run `npm test` once (it installs one) or set CHROMIUM_PATH');
  await mkdir(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  expect(cspErrors).toEqual([]);
});

async function seed(): Promise<Seeded> {
  return seedConsole(
    {
      store: fx.env.store,
      audit: fx.env.audit,
      notifier: { send: async () => undefined },
      now: () => fx.clock.now,
    },
    (name) => fx.idp.id(name),
  );
}

/** A browser context signed in to the console as `name`, and a page in it. */
async function signedIn(name: string): Promise<{ context: BrowserContext; page: Page }> {
  const cookie = await sessionCookie(fx, {
    sub: fx.idp.id(name),
    idp: 'okta',
    name,
    viewer: true,
    acr: 'mfa',
  });
  const [cookieName, value] = cookie.split('=') as [string, string];
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  await context.addCookies([{ name: cookieName, value, url: fx.server.url }]);
  const page = await context.newPage();
  // Any script would be a CSP violation: the console has none.
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('Content Security Policy')) cspErrors.push(m.text());
  });
  return { context, page };
}

describe('the security console in Chromium', { timeout: 180_000 }, () => {
  it('shows the queue with what needs a person', async () => {
    await seed();
    const { context, page } = await signedIn('sam');
    await page.goto(`${fx.server.url}/console`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Queue');
    const tiles = page.getByRole('list', { name: 'Summary' });
    expect(await tiles.textContent()).toMatch(/3\s*Open reviews/);
    expect(await page.locator('#reviews tbody tr').count()).toBe(3);
    expect(await page.locator('#incidents tbody tr').count()).toBe(2);
    expect(await page.locator('#failed tbody tr').count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-queue.png'), fullPage: true });
    await context.close();
  });

  it('a reviewer who took no part closes a review from the queue', async () => {
    const s = await seed();
    const [review] = await listReviews(fx.env.store, { caseId: s.privileged }, fx.clock.now);
    if (!review) throw new Error('no review');
    const { context, page } = await signedIn('sam');
    await page.goto(`${fx.server.url}/console`);
    await page.locator(`a[href="/reviews/${review.id}"]`).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toContain('Review of carol');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-review-open.png'), fullPage: true });
    await page.getByLabel('Needs follow-up').check();
    await page.getByLabel('Note').fill('Carol confirmed by phone; her manager checks the new device.');
    await page.getByRole('button', { name: 'Close the review' }).click();
    await expect.poll(() => page.locator('.status-head .pill').textContent()).toBe('Closed: needs follow up');
    expect(await getReview(fx.env.store, review.id)).toMatchObject({
      state: 'closed',
      outcome: 'needs_follow_up',
      closedBy: fx.idp.id('sam'),
    });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-review-closed.png'), fullPage: true });
    await context.close();
  });

  it('renders the charts from the seeded store', async () => {
    await seed();
    const { context, page } = await signedIn('frank');
    await page.goto(`${fx.server.url}/console/charts?from=2026-05-20&to=2026-06-01`);
    const charts = page.getByRole('img');
    await expect.poll(() => charts.count()).toBe(5);
    const outcomes = page.getByRole('img', { name: /Cases by outcome/ });
    const box = await outcomes.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    // Bars are drawn to scale: okta's 4 completed cases are twice entra's 1... wider.
    const bars = await page
      .locator('#h-outcomes ~ svg rect.s0')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('width'))));
    expect(Math.max(...bars)).toBeGreaterThan(0);
    expect(await page.locator('svg text.value').allTextContents()).toContain('45');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-charts.png'), fullPage: true });
    await context.close();
  });
});
