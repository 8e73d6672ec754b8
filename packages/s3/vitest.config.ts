import { integrationTestConfig } from '../../vitest.shared.ts';

export default integrationTestConfig({ THUMBNAIL_BUCKET_NAME: 'thumbnails' });
