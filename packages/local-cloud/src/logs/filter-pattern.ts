/**
 * CloudWatch Logs filter patterns for unstructured text: terms and "quoted phrases" must all appear (case-sensitive),
 * `?term` alternatives match if any of them appears, `-term` excludes. An empty pattern matches everything.
 * JSON (`{ $.x = … }`) and space-delimited (`[a, b]`) patterns are not supported and match nothing.
 */
export type TextMatcher = (message: string) => boolean;

export function compileFilterPattern(pattern: string | undefined): TextMatcher {
  const source = (pattern ?? '').trim();
  if (source === '') return () => true;
  if (source.startsWith('{') || source.startsWith('[')) return () => false;

  const required: string[] = [];
  const excluded: string[] = [];
  const anyOf: string[] = [];
  for (const token of tokenize(source)) {
    if (token.prefix === '-') excluded.push(token.text);
    else if (token.prefix === '?') anyOf.push(token.text);
    else required.push(token.text);
  }
  return (message) =>
    required.every((term) => message.includes(term)) &&
    !excluded.some((term) => message.includes(term)) &&
    (anyOf.length === 0 || anyOf.some((term) => message.includes(term)));
}

interface Token {
  readonly prefix: '' | '-' | '?';
  readonly text: string;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // A term, optionally prefixed with - or ?, either "quoted" (with \" escapes) or up to the next space.
  const tokenPattern = /([-?]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (const match of source.matchAll(tokenPattern)) {
    const prefix = (match[1] ?? '') as Token['prefix'];
    const text = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    if (text !== '') tokens.push({ prefix, text });
  }
  return tokens;
}
