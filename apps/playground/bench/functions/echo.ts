/** The HTTP benchmark's handler: answers with the path it was called on, so the figures are the front's own. */
export const handler = async (event: { rawPath: string }) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ path: event.rawPath }),
});
