/** AWS::Logs::LogGroup → a log group in the in-process CloudWatch Logs store. */
import { optionalNumber, optionalString, type ResourceHandler } from '../resource.ts';

const logGroup: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.LogGroupName) ?? context.physicalName({ maxLength: 512 });
    await context.services.logs.createLogGroup(name, optionalNumber(properties.RetentionInDays));
    return {
      physicalId: name,
      attributes: { Arn: `arn:aws:logs:${context.aws.region}:${context.aws.accountId}:log-group:${name}:*` },
    };
  },
};

export const logsHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::Logs::LogGroup': logGroup,
};
