/**
 * The API's routes, in one place: the construct gives each an API Gateway route (anything else gets API Gateway's
 * own 404 and never reaches Lambda), and the handler names their methods in a 405's Allow header.
 * No CDK import here: the handler's bundle includes this file.
 */
export const NOTE_ROUTES = [
  { path: '/notes', methods: ['GET', 'POST'] },
  { path: '/notes/{id}', methods: ['DELETE', 'GET', 'PUT'] },
] as const satisfies ReadonlyArray<{ path: string; methods: readonly string[] }>;
