import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Expected, NewNote, Note, NoteInput } from './notes.ts';

/**
 * The notes table: partition key `userId` (the JWT `sub`), sort key `noteId`. Every request names the caller's own
 * partition, so one user's request can never read or write another user's note — ownership is in the key, not in
 * a filter that could be forgotten.
 */
interface NoteItem {
  readonly userId: string;
  readonly noteId: string;
  readonly title: string;
  readonly body: string;
  readonly tags: string[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** How a conditional write ended: done (with what it returns), no such note (for this user), or another version. */
export type WriteResult<T> =
  | { readonly outcome: 'done'; readonly value: T }
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'stale'; readonly currentVersion: number };

const toNote = (item: NoteItem): Note => ({
  id: item.noteId,
  title: item.title,
  body: item.body,
  tags: item.tags,
  version: item.version,
  createdAt: item.createdAt,
  updatedAt: item.updatedAt,
});

export class NotesStore {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.db = DynamoDBDocumentClient.from(client);
  }

  /** Creates the note, or returns undefined if this user already has a note with that id. */
  async create(userId: string, noteId: string, input: NewNote, now: string): Promise<Note | undefined> {
    const item: NoteItem = {
      userId,
      noteId,
      title: input.title,
      body: input.body ?? '',
      tags: input.tags ?? [],
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(noteId)',
        }),
      );
      return toNote(item);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async get(userId: string, noteId: string): Promise<Note | undefined> {
    const { Item } = await this.db.send(
      // Strongly consistent: a GET right after a PUT must show the new ETag, or the next If-Match fails with 412.
      new GetCommand({ TableName: this.tableName, Key: { userId, noteId }, ConsistentRead: true }),
    );
    return Item ? toNote(Item as NoteItem) : undefined;
  }

  /** One page of the user's notes in id order, and the id to continue after if DynamoDB says there may be more. */
  async list(
    userId: string,
    limit: number,
    after?: string,
  ): Promise<{ notes: Note[]; lastNoteId: string | undefined }> {
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'userId = :userId',
        ExpressionAttributeValues: { ':userId': userId },
        ConsistentRead: true,
        Limit: limit,
        ...(after !== undefined && { ExclusiveStartKey: { userId, noteId: after } }),
      }),
    );
    return {
      notes: Items.map((item) => toNote(item as NoteItem)),
      lastNoteId: LastEvaluatedKey?.noteId as string | undefined,
    };
  }

  /** Replaces title, body and tags if the note exists at an expected version; bumps the version. */
  async replace(
    userId: string,
    noteId: string,
    input: NoteInput,
    expected: Expected,
    now: string,
  ): Promise<WriteResult<Note>> {
    const condition = conditionOn(expected);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { userId, noteId },
          UpdateExpression:
            'SET #title = :title, #body = :body, #tags = :tags, #updatedAt = :now, #version = #version + :one',
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: {
            '#title': 'title',
            '#body': 'body',
            '#tags': 'tags',
            '#updatedAt': 'updatedAt',
            '#version': 'version',
          },
          ExpressionAttributeValues: {
            ':title': input.title,
            ':body': input.body ?? '',
            ':tags': input.tags ?? [],
            ':now': now,
            ':one': 1,
            ...condition.values,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'done', value: toNote(Attributes as NoteItem) };
    } catch (error) {
      return whyConditionFailed(error);
    }
  }

  /** Deletes the note if it exists at an expected version. */
  async remove(userId: string, noteId: string, expected: Expected): Promise<WriteResult<void>> {
    const condition = conditionOn(expected);
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { userId, noteId },
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: condition.names,
          ...(condition.values && { ExpressionAttributeValues: condition.values }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'done', value: undefined };
    } catch (error) {
      return whyConditionFailed(error);
    }
  }
}

/** The note exists and, unless `*` was sent, is at one of the expected versions. */
function conditionOn(expected: Expected): {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, number>;
} {
  if (expected.any) return { expression: 'attribute_exists(noteId)' };
  const placeholders = expected.versions.map((_, i) => `:v${i}`);
  return {
    expression: `attribute_exists(noteId) AND #version IN (${placeholders.join(', ')})`,
    names: { '#version': 'version' },
    values: Object.fromEntries(expected.versions.map((version, i) => [`:v${i}`, version])),
  };
}

/**
 * With ReturnValuesOnConditionCheckFailure, a failed condition comes back with the item as it is (in DynamoDB's
 * attribute-value form: the document client does not convert errors): none means missing, else a stale version.
 * One request tells 404 from 412, with no read before the write.
 */
function whyConditionFailed(error: unknown): WriteResult<never> {
  if (!(error instanceof ConditionalCheckFailedException)) throw error;
  const version = error.Item?.version?.N;
  if (version === undefined) return { outcome: 'missing' };
  return { outcome: 'stale', currentVersion: Number(version) };
}
