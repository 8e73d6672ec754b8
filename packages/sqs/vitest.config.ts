import { integrationTestConfig } from '../../vitest.shared.ts';

export default integrationTestConfig({ ORDERS_TABLE_NAME: 'orders' });
