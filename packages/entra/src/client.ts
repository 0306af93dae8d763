/**
 * Thin helpers over the Graph client: every call maps errors in one place and lists follow
 * `@odata.nextLink` (bounded).
 * @module
 */

import type { Client } from '@microsoft/microsoft-graph-client';
import type { Secret } from '@recovery-gate/core';
import type { ProviderConfig } from './config.js';
import { hasStatus, type NotFoundMeaning, toGateError } from './errors.js';

/** What every operation file gets from the factory. */
export interface EntraContext {
  readonly client: Client;
  /** The configuration with its secrets replaced by `[redacted]` (safe to log). */
  readonly config: ProviderConfig;
  /** The notification clientState, revealed only when a subscription is created or compared. */
  readonly clientState: Secret | null;
  readonly clientId: string;
  now(): Date;
  /** The directory extension property name holding the case status. */
  readonly statusProperty: string;
  /** Lazily resolved ids (request groups, the gate's service principal, its app object). */
  readonly cache: Map<string, string>;
}

/** OData query parameters. */
export type Query = Readonly<Record<string, string | number>>;

/** A Graph collection page. */
export interface Page<T> {
  readonly value: readonly T[];
  readonly '@odata.nextLink'?: string;
  readonly '@odata.deltaLink'?: string;
}

/** Encodes one path segment (ids, UPNs). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** GET a resource. */
export async function graphGet<T>(
  ctx: EntraContext,
  path: string,
  operation: string,
  query: Query = {},
  notFound?: NotFoundMeaning,
): Promise<T> {
  try {
    return (await ctx.client.api(path).query(query).get()) as T;
  } catch (error) {
    throw toGateError(error, { operation, ...(notFound ? { notFound } : {}) });
  }
}

/** GET one page (a path, or an absolute next/delta link). */
export async function graphPage<T>(
  ctx: EntraContext,
  pathOrLink: string,
  operation: string,
  query: Query = {},
  notFound?: NotFoundMeaning,
): Promise<Page<T>> {
  const page = await graphGet<Page<T>>(ctx, pathOrLink, operation, query, notFound);
  if (!page || !Array.isArray(page.value)) throw toGateError(new Error('not a collection'), { operation });
  return page;
}

/** GET every page of a collection, following `@odata.nextLink` up to `maxPages`. */
export async function graphList<T>(
  ctx: EntraContext,
  path: string,
  operation: string,
  query: Query = {},
  notFound?: NotFoundMeaning,
  maxPages = 100,
): Promise<T[]> {
  const items: T[] = [];
  let page = await graphPage<T>(ctx, path, operation, query, notFound);
  items.push(...page.value);
  for (let n = 1; page['@odata.nextLink'] && n < maxPages; n += 1) {
    page = await graphPage<T>(ctx, page['@odata.nextLink'], operation);
    items.push(...page.value);
  }
  return items;
}

/** POST a body. */
export async function graphPost<T>(
  ctx: EntraContext,
  path: string,
  body: unknown,
  operation: string,
  notFound?: NotFoundMeaning,
): Promise<T> {
  try {
    return (await ctx.client.api(path).post(body)) as T;
  } catch (error) {
    throw toGateError(error, { operation, ...(notFound ? { notFound } : {}) });
  }
}

/** PATCH a body. */
export async function graphPatch(
  ctx: EntraContext,
  path: string,
  body: unknown,
  operation: string,
  notFound?: NotFoundMeaning,
): Promise<void> {
  try {
    await ctx.client.api(path).patch(body);
  } catch (error) {
    throw toGateError(error, { operation, ...(notFound ? { notFound } : {}) });
  }
}

/** DELETE; a 404 counts as done when `idempotent` (what is gone is gone). Returns whether it deleted. */
export async function graphDelete(
  ctx: EntraContext,
  path: string,
  operation: string,
  idempotent = true,
): Promise<boolean> {
  try {
    await ctx.client.api(path).delete();
    return true;
  } catch (error) {
    if (idempotent && hasStatus(error, 404)) return false;
    throw toGateError(error, { operation });
  }
}

/** Quotes a string for an OData filter literal. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
