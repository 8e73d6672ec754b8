/**
 * EventBridge / Lambda event filtering patterns. Every field of a pattern must match (AND); the values listed for
 * one field are alternatives (OR). A listed value is an exact value or a comparison: prefix, suffix,
 * equals-ignore-case, wildcard, anything-but, numeric ranges, exists, cidr. Nested objects match nested fields,
 * and an array in the event matches when any of its elements does. `$or` takes alternative sub-patterns.
 */
type Matcher = Record<string, unknown>;

export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) return false;
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(expected) || !expected.some((alternative) => matchesPattern(alternative, event)))
        return false;
      continue;
    }
    const present = isObject(event) && Object.hasOwn(event, key);
    const actual = present ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchesField(expected, present, actual)) return false;
    } else if (isObject(expected)) {
      // A nested pattern: the event's field must be an object (or objects) that match it.
      const candidates = Array.isArray(actual) ? actual : [actual];
      if (!candidates.some((candidate) => isObject(candidate) && matchesPattern(expected, candidate)))
        return false;
    } else {
      return false;
    }
  }
  return true;
}

/** One field: any listed alternative must match the value, or any element of an array value. */
function matchesField(alternatives: readonly unknown[], present: boolean, actual: unknown): boolean {
  return alternatives.some((alternative) => {
    if (isObject(alternative) && 'exists' in alternative) {
      return alternative.exists === (present && !isObject(actual));
    }
    if (!present) return false;
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((value) => matchesValue(alternative, value));
  });
}

function matchesValue(alternative: unknown, value: unknown): boolean {
  if (!isObject(alternative)) return equalsExactly(alternative, value);
  const [operator, operand] = Object.entries(alternative)[0] ?? [];
  switch (operator) {
    case 'prefix':
      return (
        typeof value === 'string' && stringTest(operand, (text, fold) => fold(value).startsWith(fold(text)))
      );
    case 'suffix':
      return (
        typeof value === 'string' && stringTest(operand, (text, fold) => fold(value).endsWith(fold(text)))
      );
    case 'equals-ignore-case':
      return (
        typeof value === 'string' &&
        typeof operand === 'string' &&
        value.toLowerCase() === operand.toLowerCase()
      );
    case 'wildcard':
      return typeof value === 'string' && typeof operand === 'string' && wildcardMatches(operand, value);
    case 'numeric':
      return typeof value === 'number' && Array.isArray(operand) && numericMatches(operand, value);
    case 'cidr':
      return typeof value === 'string' && typeof operand === 'string' && cidrMatches(operand, value);
    case 'anything-but':
      return anythingBut(operand, value);
    default:
      return false;
  }
}

/** `{prefix: "x"}` or `{prefix: {"equals-ignore-case": "x"}}` (likewise suffix). */
function stringTest(operand: unknown, test: (text: string, fold: (s: string) => string) => boolean): boolean {
  if (typeof operand === 'string') return test(operand, (s) => s);
  if (isObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
    return test(operand['equals-ignore-case'], (s) => s.toLowerCase());
  }
  return false;
}

function anythingBut(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return !operand.some((excluded) => equalsExactly(excluded, value));
  if (isObject(operand)) return !matchesValue(operand as Matcher, value);
  return !equalsExactly(operand, value);
}

function equalsExactly(expected: unknown, value: unknown): boolean {
  return expected === value;
}

function numericMatches(conditions: readonly unknown[], value: number): boolean {
  for (let index = 0; index + 1 < conditions.length; index += 2) {
    const operator = conditions[index];
    const bound = conditions[index + 1];
    if (typeof bound !== 'number') return false;
    const holds =
      operator === '='
        ? value === bound
        : operator === '<'
          ? value < bound
          : operator === '<='
            ? value <= bound
            : operator === '>'
              ? value > bound
              : operator === '>='
                ? value >= bound
                : false;
    if (!holds) return false;
  }
  return conditions.length >= 2;
}

function wildcardMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** IPv4 CIDR blocks. */
function cidrMatches(block: string, address: string): boolean {
  const [network, bitsText] = block.split('/');
  const bits = Number(bitsText ?? 32);
  const base = ipv4(network ?? '');
  const ip = ipv4(address);
  if (base === undefined || ip === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (base & mask) >>> 0 === (ip & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255))
    return undefined;
  return parts.reduce((sum, part) => sum * 256 + part, 0);
}

function isObject(value: unknown): value is Matcher {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
