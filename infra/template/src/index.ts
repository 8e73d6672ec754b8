export { __Name__Integration, type __Name__IntegrationProps } from './construct.ts';
export { integration } from './integration.ts';
export { __Name__Stack, type __Name__StackProps } from './stack.ts';
