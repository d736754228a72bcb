import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PersonalData } from '../privacy/personal-data.ts';
import { batchDeleteAll, batchWriteAll } from '../storage/batch.ts';
import { putIf, updateIf } from '../storage/conditional.ts';
import { experimentPhaseKey, exposureItemKeys, exposureKey } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';

/** A customer's first exposure to an experiment phase (personal: in the customer's jurisdiction). */
const ExposureSchema = z.object({
  kind: z.literal('exposure'),
  customerId: z.string(),
  experimentKey: z.string(),
  phase: z.number().int(),
  variationId: z.number().int(),
  variationKey: z.string(),
  hashAttribute: z.enum(['id', 'deviceId']),
  hashValue: z.string(),
  exposedAt: z.string(),
  /** Other variations the customer was later shown (another device): such a unit is left out of results. */
  crossed: z.array(z.number().int()).optional(),
});
export type Exposure = z.infer<typeof ExposureSchema>;

/** A purchase line made after an exposure, attributed to it (personal). */
const ConversionSchema = z.object({
  kind: z.literal('conversion'),
  customerId: z.string(),
  experimentKey: z.string(),
  phase: z.number().int(),
  orderId: z.string(),
  lineId: z.string(),
  purchasedAt: z.string(),
  amount: z.number(),
  currency: z.string(),
});
export type ConversionLine = z.infer<typeof ConversionSchema>;

const ItemSchema = z.discriminatedUnion('kind', [ExposureSchema, ConversionSchema]);
export type ExposureItem = z.infer<typeof ItemSchema>;

export interface ExposureRepository extends PersonalData {
  /** Stores the exposure unless the customer has one for the phase; else the stored one. */
  recordFirst(e: Exposure): Promise<{ created: true } | { created: false; stored: Exposure | undefined }>;
  /** Notes that the customer was also shown `variationId` (once per variation). */
  addCrossed(customerId: string, experimentKey: string, phase: number, variationId: number): Promise<void>;
  /** The customer's exposures (every experiment and phase). */
  exposuresOf(customerId: string): Promise<Exposure[]>;
  /** Stores attributed lines (idempotent: the key is the exposure's and the line's). */
  putConversions(lines: readonly ConversionLine[]): Promise<void>;
  /** The customer's attributed lines (every experiment and phase). */
  conversionsOf(customerId: string): Promise<ConversionLine[]>;
  /** Removes attributed lines (a cancelled order's); removing one that is gone is a no-op. */
  deleteConversions(lines: readonly ConversionLine[]): Promise<void>;
  /** One phase's exposures and attributed lines in this jurisdiction, customer by customer, page by page. */
  phaseItems(experimentKey: string, phase: number): AsyncIterable<ExposureItem[]>;
}

const itemKeyOf = (i: ExposureItem) =>
  i.kind === 'exposure' ? exposureItemKeys.exposure(i.experimentKey, i.phase) : exposureItemKeys.conversion(i.experimentKey, i.phase, i.orderId, i.lineId);
const stored = (i: ExposureItem) => ({ ...i, ...exposureKey(i.customerId, itemKeyOf(i)), experimentPhase: experimentPhaseKey(i.experimentKey, i.phase) });
const parse = (item: Record<string, unknown>) => ItemSchema.parse(item);

export class DynamoExposureRepository implements ExposureRepository {
  readonly table = 'exposures' as const;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordFirst(e: Exposure): Promise<{ created: true } | { created: false; stored: Exposure | undefined }> {
    if (await putIf(this.doc, { TableName: this.tableName, Item: stored(e), ConditionExpression: 'attribute_not_exists(itemKey)' })) return { created: true };
    const key = exposureKey(e.customerId, exposureItemKeys.exposure(e.experimentKey, e.phase));
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
    return { created: false, stored: item ? ExposureSchema.parse(item) : undefined };
  }

  async addCrossed(customerId: string, experimentKey: string, phase: number, variationId: number) {
    await updateIf(this.doc, {
      TableName: this.tableName,
      Key: exposureKey(customerId, exposureItemKeys.exposure(experimentKey, phase)),
      UpdateExpression: 'SET crossed = list_append(if_not_exists(crossed, :empty), :v)',
      ConditionExpression: 'attribute_exists(itemKey) AND variationId <> :n AND (attribute_not_exists(crossed) OR NOT contains(crossed, :n))',
      ExpressionAttributeValues: { ':empty': [], ':v': [variationId], ':n': variationId },
    });
  }

  async exposuresOf(customerId: string) {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'customerId = :c AND begins_with(itemKey, :p)',
        ExpressionAttributeValues: { ':c': customerId, ':p': exposureItemKeys.exposurePrefix },
        ConsistentRead: true,
      }),
    );
    // One item per experiment phase the customer has seen: a handful, one page.
    return (res.Items ?? []).map((i) => ExposureSchema.parse(i));
  }

  async putConversions(lines: readonly ConversionLine[]) {
    await batchWriteAll(this.doc, this.tableName, lines.map(stored));
  }

  async conversionsOf(customerId: string) {
    const out: ConversionLine[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'customerId = :c AND begins_with(itemKey, :p)',
          ExpressionAttributeValues: { ':c': customerId, ':p': exposureItemKeys.conversionPrefix },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      out.push(...(res.Items ?? []).map((i) => ConversionSchema.parse(i)));
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async deleteConversions(lines: readonly ConversionLine[]) {
    await batchDeleteAll(this.doc, this.tableName, lines.map((l) => exposureKey(l.customerId, itemKeyOf(l))));
  }

  async *phaseItems(experimentKey: string, phase: number): AsyncIterable<ExposureItem[]> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byExperiment',
          KeyConditionExpression: 'experimentPhase = :p',
          ExpressionAttributeValues: { ':p': experimentPhaseKey(experimentKey, phase) },
          ExclusiveStartKey,
        }),
      );
      yield (res.Items ?? []).map(parse);
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  async *exportOf(customerId: string): AsyncIterable<ExposureItem> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) yield* page.map(parse);
  }

  eraseOf(customerId: string): Promise<number> {
    return erasePartition(this.doc, this.tableName, keyAttributes(this.table), customerId);
  }
}
