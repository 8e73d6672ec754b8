/** The benchmark's handler: does nothing, so the figures are the pipeline's own. */
export const handler = async (): Promise<void> => {};
