/** AWS::CloudWatch::Alarm: recorded with its resolved definition; no metrics are evaluated locally. */
import { optionalString, type ResourceHandler } from '../resource.ts';

const alarm: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.AlarmName) ?? context.physicalName({ maxLength: 255 });
    return {
      physicalId: name,
      attributes: { Arn: `arn:aws:cloudwatch:${context.aws.region}:${context.aws.accountId}:alarm:${name}` },
      status: 'recorded',
      detail: 'alarms are recorded, not evaluated, locally',
    };
  },
};

export const cloudwatchHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::CloudWatch::Alarm': alarm,
};
