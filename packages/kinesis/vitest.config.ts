import { integrationTestConfig } from '../../vitest.shared.ts';

export default integrationTestConfig({ AGGREGATES_TABLE_NAME: 'page-views' });
