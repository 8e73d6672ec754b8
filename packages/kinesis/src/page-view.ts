/**
 * The clickstream's one event, as producers put it on the stream, and what both handlers make of a record: a
 * page view to count and archive, a heartbeat or a bot's view to leave out, or a malformed record to report.
 */
import * as z from 'zod';
import { HEARTBEAT_TYPE } from './contract.ts';

/** 2 KB of path is already more than any real page has; longer is a broken producer or an attack. */
const MAX_PAGE_LENGTH = 2048;

export const PageViewSchema = z.object({
  type: z.literal('page_view'),
  /** The path the visitor opened: `/pricing`, `/docs/start?ref=nav`. Query and fragment are dropped on reading. */
  page: z
    .string()
    .max(MAX_PAGE_LENGTH)
    .regex(/^\/[^\s]*$/, 'must be a path starting with / and without spaces'),
  visitorId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1–128 letters, digits, _ or -'),
  occurredAt: z.iso.datetime({ offset: true }),
  userAgent: z.string().max(1024).optional(),
  referrer: z.string().max(MAX_PAGE_LENGTH).optional(),
});
export type PageViewEvent = z.infer<typeof PageViewSchema>;

/** A heartbeat: the producer's "still here". Producers send many; the consumer's filter keeps them out. */
export const HeartbeatSchema = z.object({ type: z.literal(HEARTBEAT_TYPE) });

/** What a record turned out to be. */
export type Reading =
  | { readonly kind: 'view'; readonly view: PageView }
  | { readonly kind: 'bot'; readonly view: PageView }
  | { readonly kind: 'heartbeat' }
  | { readonly kind: 'malformed'; readonly reason: string };

/** A page view as the pipeline counts and stores it: its path normalized, the visitor's device worked out. */
export interface PageView {
  readonly page: string;
  readonly visitorId: string;
  readonly occurredAt: string;
  readonly device: 'mobile' | 'tablet' | 'desktop' | 'unknown';
  readonly referrerHost: string | null;
}

/** Crawlers, link previews and headless browsers: not people, so not views. */
const BOT_USER_AGENT =
  /bot\b|bot\/|crawler|spider|crawling|slurp|headless|phantomjs|facebookexternalhit|embedly|preview|curl\/|wget\//i;

/** Reads a record's bytes (already base64-decoded) into what it is. Never throws: a bad record is `malformed`. */
export function readRecord(data: Uint8Array): Reading {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { kind: 'malformed', reason: 'data is not UTF-8 JSON' };
  }
  if (HeartbeatSchema.safeParse(json).success) return { kind: 'heartbeat' };
  const result = PageViewSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    return { kind: 'malformed', reason: `not a page view: ${issues.join('; ')}` };
  }
  const event = result.data;
  const view: PageView = {
    page: normalizePage(event.page),
    visitorId: event.visitorId,
    occurredAt: new Date(event.occurredAt).toISOString(),
    device: deviceOf(event.userAgent),
    referrerHost: hostOf(event.referrer),
  };
  return event.userAgent && BOT_USER_AGENT.test(event.userAgent)
    ? { kind: 'bot', view }
    : { kind: 'view', view };
}

/**
 * One page, one key: `/Pricing/`, `/pricing?ref=ad` and `/pricing#plans` are all `/pricing`. Dot segments and
 * percent-encoding are resolved as a browser would (WHATWG URL), and paths are compared in lower case.
 */
export function normalizePage(page: string): string {
  const { pathname } = new URL(page.replace(/^\/+/, '/'), 'https://normalize.invalid');
  const path = pathname.toLowerCase().replace(/\/{2,}/g, '/');
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function deviceOf(userAgent: string | undefined): PageView['device'] {
  if (!userAgent) return 'unknown';
  if (/ipad|tablet|kindle|silk/i.test(userAgent)) return 'tablet';
  if (/mobi|iphone|android/i.test(userAgent)) return 'mobile';
  return 'desktop';
}

function hostOf(referrer: string | undefined): string | null {
  if (!referrer) return null;
  try {
    return new URL(referrer).hostname || null;
  } catch {
    return null; // a referrer that is not a URL is noise, not a reason to reject the view
  }
}
