import * as z from 'zod/mini';

/** An order as producers put it on the queue. Anything else is a poison message and fails on its own. */
export const OrderSchema = z.object({
  orderId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'orderId: 1–64 letters, digits, _ or -')),
  customerId: z.string().check(z.minLength(1)),
  currency: z.enum(['EUR', 'GBP', 'USD']),
  items: z
    .array(
      z.object({
        sku: z.string().check(z.minLength(1)),
        quantity: z.int().check(z.positive()),
        unitPrice: z.number().check(z.nonnegative()),
      }),
    )
    .check(z.minLength(1), z.maxLength(100)),
});

export type Order = z.infer<typeof OrderSchema>;

/** The order as stored: what was asked, plus what the worker worked out and when. */
export interface AcceptedOrder extends Order {
  readonly total: number;
  readonly messageId: string;
  readonly acceptedAt: string;
}

export class InvalidOrderError extends Error {
  override readonly name = 'InvalidOrderError';
}

/** Parses a message body into an order, or throws an InvalidOrderError that says what is wrong. */
export function parseOrder(body: string): Order {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidOrderError('body is not JSON');
  }
  const result = OrderSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new InvalidOrderError(`not an order: ${issues.join('; ')}`);
  }
  return result.data;
}

/** Money in minor units while adding, so 0.1 + 0.2 is 0.3. */
export function orderTotal(order: Order): number {
  const cents = order.items.reduce((sum, item) => sum + Math.round(item.unitPrice * 100) * item.quantity, 0);
  return cents / 100;
}
