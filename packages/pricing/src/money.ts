import { Decimal } from 'decimal.js';
import type { Rate, TieredRate } from './prices/types.ts';

/**
 * Exact decimal arithmetic for money. Prices have up to 11 decimal places (`0.0000000309`) and are multiplied by
 * counts in the billions and divided by 1,024 or 1,024³ (exact, but long, decimals), so binary floats would drift
 * and nano-dollar integers would not be fine enough. decimal.js with 100 significant digits keeps every product,
 * quotient and sum in this model exact; rounding happens only in `formatUsd`.
 *
 * A private clone, so that nothing else in the process that configures decimal.js changes our precision.
 */
export const Dec = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_UP });
export type Dec = Decimal;
export type Quantity = Decimal.Value;

export const ZERO = new Dec(0);

export function dec(value: Quantity): Dec {
  return new Dec(value);
}

/** `value`, or zero where it is negative (usage left after a free allowance). */
export function positive(value: Dec): Dec {
  return value.isNegative() ? ZERO : value;
}

/** Cost of `quantity` units at a flat rate. */
export function flatCost(rate: Rate, quantity: Quantity): Dec {
  return dec(quantity).mul(rate.usd).div(rate.per);
}

/**
 * Cost of the units numbered `from` (exclusive) to `to` (inclusive) of a month's usage at a tiered rate. Counting
 * from `from` is how a free allowance is taken off the bottom of the first tier: the paid units keep their
 * place in the tiers.
 */
export function tieredCost(rate: TieredRate, to: Quantity, from: Quantity = 0): Dec {
  const end = dec(to);
  let position = Dec.max(dec(from), ZERO);
  let total = ZERO;
  for (const tier of rate.tiers) {
    if (position.gte(end)) break;
    const tierEnd = tier.upTo === null ? end : Dec.min(end, tier.upTo);
    if (tierEnd.gt(position)) {
      total = total.add(tierEnd.sub(position).mul(tier.usd).div(rate.per));
      position = tierEnd;
    }
  }
  return total;
}

/** Units billed in chunks: `ceil(bytes / chunk)`, at least one per request. */
export function chunks(bytes: Quantity, chunkBytes: number): Dec {
  return Dec.max(dec(bytes).div(chunkBytes).ceil(), 1);
}

/** `$1,234.57`, `$0.48`, and two significant figures below a cent (`$0.0021`) so small items do not read as zero. */
export function formatUsd(amount: Dec): string {
  if (amount.isZero()) return '$0.00';
  const negative = amount.isNegative();
  const abs = amount.abs();
  let text: string;
  if (abs.lt(0.01)) {
    text = abs.toSignificantDigits(2, Decimal.ROUND_HALF_UP).toFixed();
  } else {
    const [whole = '0', cents = '00'] = abs.toFixed(2, Decimal.ROUND_HALF_UP).split('.');
    text = `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
  }
  return `${negative ? '-' : ''}$${text}`;
}

/** A count for people: `1,200,000`, `0.25`, `2,000.5` (up to `digits` decimals, trailing zeros dropped). */
export function formatCount(value: Quantity, digits = 2): string {
  const fixed = dec(value).toDecimalPlaces(digits, Decimal.ROUND_HALF_UP).toFixed();
  const [whole = '0', fraction] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction ? `${grouped}.${fraction}` : grouped;
}
