export { SqsIntegration, type SqsIntegrationProps } from './construct.ts';
export { integration } from './integration.ts';
export {
  type AcceptedOrder,
  InvalidOrderError,
  type Order,
  OrderSchema,
  orderTotal,
  parseOrder,
} from './order.ts';
export { SqsStack, type SqsStackProps } from './stack.ts';
