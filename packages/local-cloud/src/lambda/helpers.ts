/** Small helpers the Lambda modules share. */
import type { IncomingMessage } from 'node:http';

/** A request header's first value, or '' when absent. */
export function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** The parsed JSON, or the text itself when it is not JSON (a function may return any string). */
export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
