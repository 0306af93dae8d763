/**
 * Steps the browser suites share: the subject's verification link, whether a phone counts, a fresh
 * person (browser context), the page heading.
 * @module
 */

import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { type BrowserWorld, LINK_TTL_SECONDS } from './world.js';

/**
 * The verification link the gate sent to the subject's phone. The gate sends links only to verified
 * channels; where the emulator reports none (Okta's seeded users), the test makes the same link.
 */
export async function verifyLink(world: BrowserWorld, caseId: string, name: string): Promise<string> {
  const sent = world.sent.some((n) => n.links?.some((l) => l.url.includes('/verify/')));
  if (sent) return world.linkTo(await world.address(name, 'phone'), 'verify');
  expect(await phoneVerified(world, name)).toBe(false);
  return (await world.engine.createLink(caseId, await world.id(name), 'verify', LINK_TTL_SECONDS)).url;
}

/** Whether the subject's mobile is verified at the IdP (only then can a code to it count). */
export async function phoneVerified(world: BrowserWorld, name: string): Promise<boolean> {
  const facts = await world.side.adapter.readSubjectFacts(await world.id(name));
  return (facts.channels ?? []).some((c) => c.kind === 'phone' && !c.isAccountMailbox && c.verified);
}

/** Opens a fresh browser context (its own cookies) with one page. */
export async function person(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

/** The page's main heading. */
export async function heading(page: Page): Promise<string> {
  return (await page.locator('main h1').first().textContent())?.trim() ?? '';
}
