/** The object an S3 event record is about, with its key decoded. */
export interface SourceObject {
  readonly bucket: string;
  readonly key: string;
  /** Created events only. */
  readonly eTag?: string;
  /** Versioned buckets only. */
  readonly versionId?: string;
  readonly sequencer: string;
}

/** The user metadata every thumbnail carries: where it came from, so a repeat or a stale event can be spotted. */
export interface ThumbnailMetadata {
  readonly 'source-bucket': string;
  /** URL-encoded: S3 user metadata must be ASCII. */
  readonly 'source-key': string;
  readonly 'source-etag'?: string;
  readonly 'source-version-id'?: string;
  readonly 'source-sequencer': string;
  readonly 'source-type': string;
}

/**
 * S3 writes keys into event records form-URL-encoded: `my photo.jpg` arrives as `my+photo.jpg`, a real `+` as
 * `%2B`. Reading the object with the key as it arrives fails with NoSuchKey.
 */
export function decodeKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** Where the thumbnail of `key` at `width` lives: predictable, so a reader (or a delete) can find it. */
export function thumbnailKey(width: number, key: string, extension: string): string {
  return `thumbnails/${width}/${key}.${extension}`;
}

/**
 * Orders two sequencers of events on the same key, as AWS documents today: right-pad the shorter with zeros, then
 * compare as strings (older revisions of the page said left-pad). Positive when `a` is the later event.
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padEnd(width, '0');
  const right = b.toUpperCase().padEnd(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}
