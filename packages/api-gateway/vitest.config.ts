import { integrationTestConfig } from '../../vitest.shared.ts';

export default integrationTestConfig({ NOTES_TABLE_NAME: 'notes' });
