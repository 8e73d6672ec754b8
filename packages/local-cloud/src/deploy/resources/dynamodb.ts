/**
 * AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable (CDK's TableV2) → CreateTable against DynamoDB Local behind
 * the gateway. A global table is created once, as its replica in our region. Without DynamoDB Local (no Java) the
 * table is reported as not run locally, with the reason, and keeps its name so the rest still deploys.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type LocalSecondaryIndex,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { publicDynamoDbArn } from '../../emulators/dynamodb-local.ts';
import {
  type CreatedResource,
  isRecord,
  listOf,
  optionalNumber,
  optionalString,
  type ResourceContext,
  type ResourceHandler,
  recordOf,
} from '../resource.ts';

type Properties = Readonly<Record<string, unknown>>;

/** DynamoDB Local ignores capacity; provisioned tables still need a value. */
const DEFAULT_THROUGHPUT = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

function throughput(value: unknown): { ReadCapacityUnits: number; WriteCapacityUnits: number } {
  const given = recordOf(value);
  return {
    ReadCapacityUnits: optionalNumber(given.ReadCapacityUnits) ?? DEFAULT_THROUGHPUT.ReadCapacityUnits,
    WriteCapacityUnits: optionalNumber(given.WriteCapacityUnits) ?? DEFAULT_THROUGHPUT.WriteCapacityUnits,
  };
}

function keySchema(value: unknown): { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[] {
  return listOf(value).map((key) => ({
    AttributeName: String(recordOf(key).AttributeName),
    KeyType: recordOf(key).KeyType === 'RANGE' ? 'RANGE' : 'HASH',
  }));
}

function projection(value: unknown): GlobalSecondaryIndex['Projection'] {
  const given = recordOf(value);
  return {
    ProjectionType: (optionalString(given.ProjectionType) ?? 'ALL') as 'ALL' | 'KEYS_ONLY' | 'INCLUDE',
    ...(Array.isArray(given.NonKeyAttributes)
      ? { NonKeyAttributes: given.NonKeyAttributes.map(String) }
      : {}),
  };
}

/** The CreateTable input both table types share. */
function createTableInput(
  name: string,
  properties: Properties,
  provisioned: boolean,
): CreateTableCommandInput {
  const globalIndexes: GlobalSecondaryIndex[] = listOf(properties.GlobalSecondaryIndexes).map((index) => ({
    IndexName: String(recordOf(index).IndexName),
    KeySchema: keySchema(recordOf(index).KeySchema),
    Projection: projection(recordOf(index).Projection),
    ...(provisioned ? { ProvisionedThroughput: throughput(recordOf(index).ProvisionedThroughput) } : {}),
  }));
  const localIndexes: LocalSecondaryIndex[] = listOf(properties.LocalSecondaryIndexes).map((index) => ({
    IndexName: String(recordOf(index).IndexName),
    KeySchema: keySchema(recordOf(index).KeySchema),
    Projection: projection(recordOf(index).Projection),
  }));
  const stream = recordOf(properties.StreamSpecification);
  return {
    TableName: name,
    AttributeDefinitions: listOf(properties.AttributeDefinitions).map((attribute) => ({
      AttributeName: String(recordOf(attribute).AttributeName),
      AttributeType: String(recordOf(attribute).AttributeType) as 'S' | 'N' | 'B',
    })),
    KeySchema: keySchema(properties.KeySchema),
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: throughput(properties.ProvisionedThroughput) } : {}),
    ...(globalIndexes.length > 0 ? { GlobalSecondaryIndexes: globalIndexes } : {}),
    ...(localIndexes.length > 0 ? { LocalSecondaryIndexes: localIndexes } : {}),
    ...(stream.StreamViewType
      ? {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: String(stream.StreamViewType) as 'NEW_AND_OLD_IMAGES',
          },
        }
      : {}),
  };
}

async function createTable(
  name: string,
  properties: Properties,
  provisioned: boolean,
  context: ResourceContext,
): Promise<CreatedResource> {
  const unavailable = context.services.unavailable('dynamodb');
  const arn = `arn:aws:dynamodb:${context.aws.region}:${context.aws.accountId}:table/${name}`;
  if (unavailable) {
    return {
      physicalId: name,
      attributes: { Arn: arn, StreamArn: `${arn}/stream/unavailable`, TableId: name },
      status: 'unsupported',
      detail: unavailable,
    };
  }
  const dynamodb = context.services.clients(DynamoDBClient);
  const created = await dynamodb.send(
    new CreateTableCommand(createTableInput(name, properties, provisioned)),
  );
  const ttl = recordOf(properties.TimeToLiveSpecification);
  if (ttl.Enabled === true || ttl.Enabled === 'true') {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: String(ttl.AttributeName), Enabled: true },
      }),
    );
  }
  const description = created.TableDescription;
  return {
    physicalId: name,
    attributes: {
      Arn: publicDynamoDbArn(description?.TableArn ?? arn),
      ...(description?.LatestStreamArn ? { StreamArn: publicDynamoDbArn(description.LatestStreamArn) } : {}),
      TableId: description?.TableId ?? name,
    },
  };
}

const table: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.TableName) ?? context.physicalName({ maxLength: 255 });
    return createTable(name, properties, properties.BillingMode !== 'PAY_PER_REQUEST', context);
  },
};

const globalTable: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.TableName) ?? context.physicalName({ maxLength: 255 });
    const replicas = listOf(properties.Replicas).filter(isRecord);
    const here = replicas.find((replica) => replica.Region === context.aws.region);
    if (replicas.length > 0 && !here) {
      return {
        physicalId: name,
        status: 'unsupported',
        detail: `it has no replica in ${context.aws.region}, the local cloud's region`,
      };
    }
    return createTable(name, properties, properties.BillingMode !== 'PAY_PER_REQUEST', context);
  },
};

export const dynamodbHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::DynamoDB::Table': table,
  'AWS::DynamoDB::GlobalTable': globalTable,
};
