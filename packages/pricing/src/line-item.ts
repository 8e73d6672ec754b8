import { type Dec, dec, ZERO } from './money.ts';

/** One line of a bill: what is charged, how much of it, and what it costs (exact). */
export interface LineItem {
  /** The service that charges it: `Lambda`, `SQS`, `DynamoDB`, … */
  readonly service: string;
  /** What is charged: `requests`, `duration`, `empty receives by Lambda's pollers`, … */
  readonly item: string;
  /** The billable quantity, in `unit`, after chunking and rounding (free allowances not subtracted). */
  readonly quantity: Dec;
  readonly unit: string;
  /** How the quantity came about, in words and figures, for a reader checking the sum. */
  readonly detail: string;
  readonly cost: Dec;
}

export function lineItem(
  service: string,
  item: string,
  quantity: Dec | number,
  unit: string,
  cost: Dec,
  detail = '',
): LineItem {
  return { service, item, quantity: dec(quantity), unit, cost, detail };
}

/** The exact sum of the lines' costs. */
export function total(lines: readonly LineItem[]): Dec {
  return lines.reduce((sum, line) => sum.add(line.cost), ZERO);
}

/** Thrown for input the model cannot price (memory out of range, a negative count, …); its message is one sentence. */
export class PricingInputError extends RangeError {
  override readonly name = 'PricingInputError';
}

export function requireRange(what: string, value: number, min: number, max: number, unit = ''): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    const suffix = unit ? ` ${unit}` : '';
    throw new PricingInputError(
      `${what} must be from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}${suffix}, not ${value}${suffix}.`,
    );
  }
}

export function requireNonNegative(what: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new PricingInputError(`${what} must be zero or more, not ${value}.`);
  }
}
