import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Where a sample resource lives. Defaults match the local cloud: us-east-1 and the all-zero account. */
export interface Location {
  readonly region?: string;
  readonly accountId?: string;
}

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '000000000000';

export function resolveLocation(location: Location = {}) {
  return { region: location.region ?? DEFAULT_REGION, accountId: location.accountId ?? DEFAULT_ACCOUNT_ID };
}

export function arn(service: string, resource: string, location: Location = {}): string {
  const { region, accountId } = resolveLocation(location);
  return `arn:aws:${service}:${region}:${accountId}:${resource}`;
}

/** The region of an ARN (`arn:aws:sqs:eu-west-1:…` → `eu-west-1`), or the default region if it names none. */
export function regionOf(resourceArn: string): string {
  return resourceArn.split(':')[3] || DEFAULT_REGION;
}

export const md5 = (data: string | Uint8Array): string => createHash('md5').update(data).digest('hex');

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export const newId = (): string => randomUUID();

/** An opaque token shaped like the ones AWS hands out (receipt handles, sequence numbers' cousins). */
export const opaqueToken = (bytes = 96): string => randomBytes(bytes).toString('base64');
