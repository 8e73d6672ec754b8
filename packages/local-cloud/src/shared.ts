/** Small helpers several parts of the local cloud use. */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The whole body of a request or response. */
export async function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A JSON answer the way AWS's JSON APIs send one: length, content type and a request id. */
export function sendJson(
  response: ServerResponse,
  status: number,
  payload: unknown,
  contentType = 'application/json',
): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}
