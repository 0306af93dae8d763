/** A webhook (event hook / change notification) to deliver. */
export interface WebhookRequest {
  /** HTTP method. @default 'POST' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A string is sent as is; anything else is JSON-encoded with `content-type: application/json`; absent
   * (`undefined`): no body, as a verification GET (Okta's event-hook challenge).
   */
  readonly body?: unknown;
  /** Keep the answer's body (first 64 KiB) in `responseBody`, e.g. to check a challenge's echo. @default false */
  readonly readResponse?: boolean;
}

/** Delivery policy. */
export interface WebhookDeliveryOptions {
  /** Per-attempt timeout in ms (Okta: 3000). @default 3000 */
  readonly timeoutMs?: number;
  /** Extra attempts after a 5xx, a timeout or a network error; 4xx never retries (Okta: 1). @default 1 */
  readonly retries?: number;
  /** Pause between attempts in ms. @default 0 */
  readonly retryDelayMs?: number;
  /** When it returns true the delivery is dropped (a fault): nothing is sent. */
  readonly drop?: () => boolean;
  /** Injectable fetch. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Injectable sleep for the retry delay. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What happened to one delivery. */
export interface WebhookResult {
  /** True when some attempt got a 2xx answer. */
  readonly delivered: boolean;
  /** True when the delivery was dropped by fault injection (no attempt made). */
  readonly dropped: boolean;
  readonly attempts: number;
  /** Status of the last attempt, if an answer came back. */
  readonly status?: number;
  /** Why the last attempt failed (`timeout`, `network`, `http_4xx`, `http_5xx`). */
  readonly failure?: 'timeout' | 'network' | 'http_4xx' | 'http_5xx' | 'http_other';
  /** The last answer's body (first 64 KiB), only when the request asked for it (`readResponse`). */
  readonly responseBody?: string;
}

/** How much of an answer `readResponse` keeps. */
const RESPONSE_LIMIT = 64 * 1024;

type Attempt = Omit<WebhookResult, 'delivered' | 'dropped' | 'attempts'> & { readonly retryable: boolean };

async function attemptOnce(
  url: string,
  request: WebhookRequest,
  options: WebhookDeliveryOptions,
): Promise<Attempt> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { ...request.headers };
  const hasBody = request.body !== undefined;
  const isString = typeof request.body === 'string';
  if (hasBody && !isString && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  try {
    const response = await doFetch(url, {
      method: request.method ?? 'POST',
      headers,
      ...(hasBody ? { body: isString ? (request.body as string) : JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
      redirect: 'manual',
    });
    const raw = await response.arrayBuffer().catch(() => undefined);
    const kept =
      request.readResponse === true && raw !== undefined
        ? { responseBody: Buffer.from(raw).subarray(0, RESPONSE_LIMIT).toString('utf8') }
        : {};
    const { status } = response;
    if (status >= 200 && status < 300) return { status, ...kept, retryable: false };
    if (status >= 500) return { status, ...kept, failure: 'http_5xx', retryable: true };
    if (status >= 400) return { status, ...kept, failure: 'http_4xx', retryable: false };
    return { status, ...kept, failure: 'http_other', retryable: false };
  } catch (error) {
    const timedOut =
      error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { failure: timedOut ? 'timeout' : 'network', retryable: true };
  }
}

/**
 * Delivers a webhook with a per-attempt timeout and bounded retries (5xx, timeout, network error only).
 * Never throws: the result says what happened.
 */
export async function deliverWebhook(
  url: string,
  request: WebhookRequest,
  options: WebhookDeliveryOptions = {},
): Promise<WebhookResult> {
  if (options.drop?.()) return { delivered: false, dropped: true, attempts: 0 };
  const retries = options.retries ?? 1;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const { retryable, ...outcome } = await attemptOnce(url, request, options);
    if (outcome.failure === undefined) return { delivered: true, dropped: false, attempts, ...outcome };
    if (!retryable || attempts > retries) return { delivered: false, dropped: false, attempts, ...outcome };
    if ((options.retryDelayMs ?? 0) > 0) await sleep(options.retryDelayMs ?? 0);
  }
}

/** A delivered (or dropped) webhook, as tests read it. */
export interface WebhookLogEntry extends WebhookResult {
  readonly url: string;
  readonly body: unknown;
}

/** Stateful webhook sender with drop faults and a delivery log. */
export interface WebhookDispatcher {
  /** Delivers with the dispatcher's policy (and records the result). */
  deliver(url: string, request: WebhookRequest): Promise<WebhookResult>;
  /** Drops the next `count` deliveries (they are logged as dropped). */
  dropNext(count: number): void;
  /** Drops every delivery until called with false. */
  dropAll(enabled: boolean): void;
  /** Deliveries so far, oldest first. */
  log(): readonly WebhookLogEntry[];
  /** Resolves when every delivery started so far has settled. */
  idle(): Promise<void>;
}

/** Creates a {@link WebhookDispatcher} with a fixed policy (timeout, retries, fetch). */
export function createWebhookDispatcher(
  options: Omit<WebhookDeliveryOptions, 'drop'> = {},
): WebhookDispatcher {
  const entries: WebhookLogEntry[] = [];
  const inFlight = new Set<Promise<WebhookResult>>();
  let dropCount = 0;
  let dropEverything = false;
  const drop = (): boolean => {
    if (dropEverything) return true;
    if (dropCount > 0) {
      dropCount -= 1;
      return true;
    }
    return false;
  };
  return {
    deliver(url, request) {
      const pending = deliverWebhook(url, request, { ...options, drop }).then((result) => {
        entries.push({ ...result, url, body: request.body });
        return result;
      });
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
      return pending;
    },
    dropNext(count) {
      dropCount += count;
    },
    dropAll(enabled) {
      dropEverything = enabled;
    },
    log: () => [...entries],
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
