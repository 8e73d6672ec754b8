import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { type FieldError, Problem } from './problem.ts';

/** Bodies above this are refused with 413 before they are parsed. A note is at most ≈ 40 KB of UTF-8. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A note as the API returns it. */
export interface Note {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly tags: readonly string[];
  /** Starts at 1, +1 per update; the note's ETag is `"<version>"`. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Ids a client may choose: they go into a URL path and a DynamoDB sort key. Generated ids fit too. */
export const NOTE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A lone UTF-16 surrogate: JSON can carry one, but DynamoDB (UTF-8) cannot store it. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const text = (max: number, what: string) =>
  z.string(`${what} must be a string`).check(
    z.maxLength(max, `${what} must be at most ${max} characters`),
    z.refine((value) => !LONE_SURROGATE.test(value), `${what} must be valid Unicode text`),
  );

const noteFields = {
  title: text(200, 'title').check(z.regex(/\S/, 'title must not be blank')),
  body: z.optional(text(10_000, 'body')),
  tags: z.optional(
    z
      .array(
        text(30, 'a tag').check(z.regex(/^[\p{L}\p{N}_-]+$/u, 'a tag is letters, digits, _ or -')),
        'tags must be a list of strings',
      )
      .check(z.maxLength(10, 'at most 10 tags')),
  ),
};

/** What PUT /notes/{id} takes: the whole note (a field left out is cleared). */
export const NoteInputSchema = z.strictObject(noteFields, 'the body must be a JSON object');
/** What POST /notes takes: a note, optionally with an id of the client's choosing (for retry-safe creation). */
export const NewNoteSchema = z.strictObject(
  {
    ...noteFields,
    id: z.optional(
      z.string('id must be a string').check(z.regex(NOTE_ID, 'id is 1–64 letters, digits, _ or -')),
    ),
  },
  'the body must be a JSON object',
);

export type NoteInput = z.infer<typeof NoteInputSchema>;
export type NewNote = z.infer<typeof NewNoteSchema>;

/** Parses `json` with `schema`, or throws a validation problem naming every invalid field by JSON Pointer. */
export function parseWith<T>(schema: z.ZodMiniType<T>, json: unknown): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => {
    const pointer = `/${issue.path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    if (issue.code === 'unrecognized_keys') {
      return {
        pointer,
        detail: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`,
      };
    }
    return { pointer, detail: issue.message };
  });
  const first = errors[0] as FieldError;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more, see errors)` : '';
  throw new Problem('validation-failed', `${first.detail}${more}.`, { errors });
}

/**
 * A new note id: a UUID version 7 (RFC 9562), which starts with the creation time in milliseconds, so a listing
 * in id order is (to the millisecond) in creation order.
 */
export function newNoteId(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const etagOf = (version: number): string => `"${version}"`;

/** What an If-Match header asks for: any current version (`*`), or one of these. */
export type Expected = { readonly any: true } | { readonly any: false; readonly versions: readonly number[] };

/**
 * Reads If-Match. Our ETags are strong (`"3"`); a weak one (`W/"3"`) never matches for If-Match (RFC 9110), so it is
 * refused rather than silently failing. A missing header is a 428: this API does not allow blind overwrites.
 */
export function parseIfMatch(header: string | null, method: string): Expected {
  if (header === null || header.trim() === '') {
    throw new Problem(
      'precondition-required',
      `${method} needs an If-Match header with the note's ETag (from GET /notes/{id}, e.g. If-Match: "1"), ` +
        'so that it cannot overwrite a change it has not seen; If-Match: * skips the check.',
    );
  }
  if (header.trim() === '*') return { any: true };
  const tags = header.split(',').map((tag) => tag.trim());
  const versions: number[] = [];
  for (const tag of tags) {
    const version = /^"([1-9]\d{0,14})"$/.exec(tag)?.[1];
    if (version === undefined) {
      // RFC 9110 §13.1.1: If-Match compares strongly, so a weak tag is well formed but never matches: 412.
      if (tag.startsWith('W/')) {
        throw new Problem(
          'precondition-failed',
          `If-Match has the weak ETag ${JSON.stringify(tag.slice(0, 40))}, and weak ETags never match If-Match: send the ETag from GET /notes/{id} as it is.`,
        );
      }
      const why = 'expected a quoted version like "3"';
      throw new Problem('validation-failed', `If-Match has ${JSON.stringify(tag.slice(0, 40))}: ${why}.`, {
        errors: [{ pointer: 'header:If-Match', detail: why }],
      });
    }
    versions.push(Number(version));
  }
  if (versions.length > 10) {
    throw new Problem('validation-failed', 'If-Match lists more than 10 ETags.', {
      errors: [{ pointer: 'header:If-Match', detail: 'at most 10 ETags' }],
    });
  }
  return { any: false, versions };
}

/**
 * List cursors are opaque to clients: base64url JSON of the last note id and a short hash of its owner. The owner
 * hash binds a cursor to the user who received it; the query always runs in the caller's own partition anyway.
 */
const CursorSchema = z.strictObject({ k: z.string().check(z.regex(NOTE_ID)), o: z.string() });

const ownerTag = (userId: string) => createHash('sha256').update(userId).digest('base64url').slice(0, 16);

export function encodeCursor(userId: string, lastNoteId: string): string {
  return Buffer.from(JSON.stringify({ k: lastNoteId, o: ownerTag(userId) })).toString('base64url');
}

/** The note id to continue after, or a 400 that says why the cursor is not one this API gave this user. */
export function decodeCursor(userId: string, cursor: string): string {
  const invalid = (why: string) =>
    new Problem(
      'invalid-cursor',
      `${why} Pass nextCursor from the previous page unchanged, or leave it out.`,
      {
        errors: [{ pointer: 'query:cursor', detail: why }],
      },
    );
  if (cursor.length > 256 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid('The cursor is not a cursor this API issued.');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('The cursor is not a cursor this API issued.');
  }
  const parsed = CursorSchema.safeParse(json);
  if (!parsed.success) throw invalid('The cursor is not a cursor this API issued.');
  if (parsed.data.o !== ownerTag(userId)) throw invalid('The cursor belongs to another user’s listing.');
  return parsed.data.k;
}

/** `limit` of GET /notes: a whole number from 1 to 100. */
export function parseLimit(value: string | null, fallback = 20): number {
  if (value === null) return fallback;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100) {
    throw new Problem(
      'validation-failed',
      `limit must be a whole number from 1 to 100, not ${JSON.stringify(value.slice(0, 20))}.`,
      {
        errors: [{ pointer: 'query:limit', detail: 'a whole number from 1 to 100' }],
      },
    );
  }
  return Number(value);
}
