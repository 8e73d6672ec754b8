export {
  ACCESS_LOG_FIELDS,
  ApiGatewayIntegration,
  type ApiGatewayIntegrationProps,
} from './construct.ts';
export { ENV, NOTES_TABLE_KEY, SERVICE_NAME, type Settings, SettingsSchema } from './contract.ts';
export { integration, SAMPLE_PASSWORD } from './integration.ts';
export {
  decodeCursor,
  encodeCursor,
  etagOf,
  MAX_BODY_BYTES,
  type NewNote,
  NewNoteSchema,
  type Note,
  type NoteInput,
  NoteInputSchema,
  newNoteId,
  parseIfMatch,
} from './notes.ts';
export { type FieldError, PROBLEMS, Problem, type ProblemDetails, type ProblemKind } from './problem.ts';
export { NOTE_ROUTES } from './routes.ts';
export { ApiGatewayStack, type ApiGatewayStackProps } from './stack.ts';
