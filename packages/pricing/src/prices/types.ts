/**
 * The shape of a region's price list. Figures are decimal strings (never floats) so that `0.0000166667` stays
 * exactly that; `per` says how many units the figure buys (1,000,000 requests, 1 GB-second, …).
 */
export interface Rate {
  /** US dollars for `per` units, as a decimal string. */
  readonly usd: string;
  /** How many units `usd` pays for (1 for "per GB-second", 1_000_000 for "per million requests"). */
  readonly per: number;
  /** The unit, as the pricing page names it. */
  readonly unit: string;
  /** The AWS pricing page the figure comes from. */
  readonly source: string;
  /**
   * Whether the figure was re-confirmed with a search of stored copies of public pages on the date the list was
   * read. `false` means it is the figure as last known and could not be re-checked offline: check it against
   * `source` before relying on it.
   */
  readonly confirmed: boolean;
}

/** One band of a tiered price: the rate applies to units up to `upTo` (cumulative, in units), or to all above. */
export interface Tier {
  readonly upTo: number | null;
  readonly usd: string;
  /** Overrides the rate's `confirmed` for this tier (a first tier confirmed, a volume tier not). */
  readonly confirmed?: boolean;
}

/** A price that falls with monthly volume (Lambda duration, SQS requests, HTTP API requests, …). */
export interface TieredRate {
  readonly tiers: readonly Tier[];
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  readonly confirmed: boolean;
}

export type Architecture = 'arm64' | 'x86_64';

export interface PriceList {
  readonly region: string;
  /** The day the figures were read (ISO date). */
  readonly read: string;
  readonly lambda: {
    readonly requests: Rate;
    readonly duration: Record<Architecture, TieredRate>;
    readonly ephemeralStorage: Rate;
    readonly provisionedConcurrency: Record<Architecture, Rate>;
    readonly provisionedDuration: Record<Architecture, Rate>;
    readonly freeTier: { readonly requests: number; readonly gbSeconds: number; readonly source: string };
  };
  readonly lambdaEdge: { readonly requests: Rate; readonly duration: Rate };
  readonly sqs: {
    readonly standard: TieredRate;
    readonly fifo: TieredRate;
    readonly chunkBytes: number;
    readonly freeTierRequests: number;
  };
  readonly sns: {
    readonly publishes: Rate;
    readonly lambdaDeliveries: Rate;
    readonly chunkBytes: number;
    readonly freeTierRequests: number;
  };
  readonly kinesis: {
    readonly shardHours: Rate;
    readonly putPayloadUnits: Rate;
    readonly putPayloadUnitBytes: number;
    readonly onDemandStreamHours: Rate;
    readonly onDemandIngestGB: Rate;
    readonly onDemandRetrievalGB: Rate;
    /** On-demand mode rounds each record up to this many bytes when it meters data in. */
    readonly onDemandRecordRoundingBytes: number;
  };
  readonly firehose: {
    /** Ingestion from Direct PUT or a Kinesis data stream as the source, per GB (tiered). */
    readonly ingestion: TieredRate;
    /** Ingestion rounds each record up to a multiple of this many bytes (5 KB). */
    readonly ingestionRoundingBytes: number;
  };
  readonly dynamodb: {
    readonly writeRequestUnits: Rate;
    readonly readRequestUnits: Rate;
    readonly storageGBMonth: Rate;
    readonly freeTierStorageGB: number;
    readonly streamsReadByLambda: Rate;
  };
  readonly apiGateway: {
    readonly http: TieredRate;
    readonly httpMeteringBytes: number;
    readonly rest: TieredRate;
  };
  readonly eventBridge: {
    readonly customEvents: Rate;
    readonly chunkBytes: number;
    readonly schedulerInvocations: Rate;
    readonly schedulerFreeInvocations: number;
  };
  readonly cloudWatch: {
    readonly lambdaLogIngestion: TieredRate;
    /** Standard log class ingestion for logs that are not Lambda's (application logs, API Gateway access logs). */
    readonly logIngestion: Rate;
    readonly logStorage: Rate;
    readonly alarms: Rate;
    readonly customMetrics: Rate;
    readonly freeTier: {
      readonly logIngestionGB: number;
      readonly logStorageGB: number;
      readonly alarms: number;
      readonly metrics: number;
    };
  };
  readonly s3: {
    readonly putRequests: Rate;
    readonly getRequests: Rate;
    readonly storage: TieredRate;
  };
  readonly cognito: {
    readonly essentials: TieredRate;
    readonly lite: TieredRate;
    readonly freeTierMAU: number;
  };
}
