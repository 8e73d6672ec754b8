/**
 * TODO: the handler. Validate each input, do real work, report partial failures where the trigger supports them,
 * stay idempotent where delivery is at least once, and log structured JSON.
 */
import { powertools, readEnvironment } from '@triggers/kit/runtime';
import { ENV, environmentSchema } from './contract.ts';

const { logger, metrics } = powertools();
const settings = readEnvironment(environmentSchema);

export async function handler(event: unknown): Promise<void> {
  logger.info('Received', { target: settings[ENV.targetName], event });
  metrics.publishStoredMetrics();
}
