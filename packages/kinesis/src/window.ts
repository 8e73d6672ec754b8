/**
 * The state a tumbling window carries from one invocation to the next (Lambda hands back what the function
 * returned, per shard), and the aggregate items its final invocation writes.
 */
import * as z from 'zod';

/**
 * Views per normalized page so far, and which records the state already reflects: `first` names the window's part
 * (a window Lambda ends early, at 1 MB of state, goes on in a new part with a fresh state), `last` lets a record
 * delivered again after a partial failure be recognised and not counted twice.
 */
export const WindowStateSchema = z.object({
  views: z.record(z.string(), z.int().nonnegative()).default({}),
  /** Sequence number of the first record counted in this part of the window. */
  first: z.string().regex(/^\d+$/).optional(),
  /** Sequence number of the last record the state reflects (counted or left out). */
  last: z.string().regex(/^\d+$/).optional(),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

/** Kinesis sequence numbers are decimal strings of up to 128 bits, increasing within a shard. */
export function sequenceAfter(sequenceNumber: string, than: string | undefined): boolean {
  return than === undefined || BigInt(sequenceNumber) > BigInt(than);
}

/** The state after one more record: counted when it is a view, only marked as read otherwise. */
export function advance(state: WindowState, sequenceNumber: string, page?: string): WindowState {
  if (page === undefined) return { ...state, last: sequenceNumber };
  return {
    views: { ...state.views, [page]: (state.views[page] ?? 0) + 1 },
    first: state.first ?? sequenceNumber,
    last: sequenceNumber,
  };
}

/** One page's views in one minute, as one shard saw them: the table's item. */
export interface AggregateItem {
  /** Partition key: the normalized page path. */
  readonly pagePath: string;
  /**
   * Sort key: `<window start>#<shard id>#<first sequence number>`. Unique per page, minute, shard and window part, so
   * writing it again (a retried final invocation) is refused by the condition, and a page's minute is the sum of
   * the items whose key begins with the window start.
   */
  readonly windowKey: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly shardId: string;
  readonly views: number;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
}

/** The items a finished window writes: one per page it counted. */
export function aggregatesOf(
  state: WindowState,
  window: { readonly start: string; readonly end: string },
  shardId: string,
): AggregateItem[] {
  const { first, last } = state;
  if (first === undefined || last === undefined) return [];
  return Object.entries(state.views).map(([pagePath, views]) => ({
    pagePath,
    windowKey: `${window.start}#${shardId}#${first}`,
    windowStart: window.start,
    windowEnd: window.end,
    shardId,
    views,
    firstSequenceNumber: first,
    lastSequenceNumber: last,
  }));
}
