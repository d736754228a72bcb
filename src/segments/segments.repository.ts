import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { PersonalData } from '../privacy/personal-data.ts';
import { Jurisdiction } from '../regions/region.schema.ts';
import { batchGetAll, batchWriteAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import { assignmentKey, expired, expiresAt, modelKeys, TTL_ATTRIBUTE } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';
import type { Segment, SegmentModel } from './model/run.ts';
import { RunSchema, type SegmentRun } from './segments.schemas.ts';

/** A customer's place in the segments (personal: stored in the customer's jurisdiction). */
const AssignmentSchema = z.object({
  customerId: z.string(),
  segmentId: z.string(),
  distance: z.number(),
  runId: z.string(),
  assignedAt: z.string(),
  /** Where the customer was before the last change, if it changed. */
  previousSegmentId: z.string().optional(),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

/** The current segments of a jurisdiction: aggregates only (centroids, sizes, names). */
export interface SegmentDefinition {
  jurisdiction: Jurisdiction;
  runId: string;
  createdAt: string;
  model: SegmentModel;
  segments: Segment[];
  /** Every segment id the jurisdiction has used, so none is given a new meaning. */
  usedIds: string[];
}

/** What a stored definition must have to be read; the centroid arrays and explanations are the run's own. */
const DefinitionShape = z.looseObject({
  jurisdiction: Jurisdiction,
  runId: z.string(),
  createdAt: z.string(),
  model: z.looseObject({ featureSet: z.looseObject({ version: z.string() }), centroids: z.array(z.array(z.number())), ids: z.array(z.string()) }),
  segments: z.array(z.looseObject({ id: z.string(), name: z.string() })),
  usedIds: z.array(z.string()).default([]),
});

export interface AssignmentRepository extends PersonalData {
  get(customerId: string): Promise<Assignment | undefined>;
  /** These customers' assignments (a segment run's page reads what it replaces). */
  getMany(customerIds: readonly string[]): Promise<Map<string, Assignment>>;
  /** Stores unless the stored assignment comes from another run than `runId` (a newer run wrote it). */
  putIfSameRun(a: Assignment): Promise<boolean>;
  putMany(list: readonly Assignment[]): Promise<void>;
  /** Every customer's segment id (a scan, for the next run's matching). */
  all(): Promise<Map<string, string>>;
}

export interface SegmentStore {
  current(j: Jurisdiction): Promise<SegmentDefinition | undefined>;
  putCurrent(def: SegmentDefinition): Promise<void>;
  /** Each run's definition, kept so an assignment is always read with the segments it was made for. */
  definition(runId: string): Promise<SegmentDefinition | undefined>;
  putDefinition(def: SegmentDefinition): Promise<void>;
  run(id: string): Promise<SegmentRun | undefined>;
  /** Creates the run record unless one exists that has not failed and is not stale; false when one does. */
  startRun(run: SegmentRun, staleBefore: string): Promise<boolean>;
  putRun(run: SegmentRun): Promise<void>;
  /** The jurisdiction's segment names by segment id (operator renames and model proposals): aggregates only. */
  names(j: Jurisdiction): Promise<SegmentNames>;
  putNames(j: Jurisdiction, names: SegmentNames): Promise<void>;
}

export const SegmentNameEntry = z.object({
  source: z.enum(['operator', 'model', 'refused']),
  name: z.string().optional(),
  description: z.string().optional(),
  /** The statistical name the segment had when this was decided: a different one means the segment changed. */
  basis: z.string(),
  at: z.string(),
  modelId: z.string().optional(),
  problems: z.array(z.string()).optional(),
});
export type SegmentNameEntry = z.infer<typeof SegmentNameEntry>;
export type SegmentNames = Record<string, SegmentNameEntry>;

export class DynamoAssignmentRepository implements AssignmentRepository {
  readonly table = 'segments' as const;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** An assignment not renewed this long (runs renew active customers' daily) expires (TTL). */
    private readonly inactiveDays = 2 * 365,
  ) {}

  private ttl = (a: Assignment) => ({ [TTL_ATTRIBUTE]: expiresAt(Date.parse(a.assignedAt), this.inactiveDays) });

  async get(customerId: string) {
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: assignmentKey(customerId) }))).Item;
    return item && !expired(item, Date.now()) ? AssignmentSchema.parse(item) : undefined;
  }

  async getMany(customerIds: readonly string[]) {
    const items = await batchGetAll(this.doc, this.tableName, customerIds.map(assignmentKey));
    return new Map(items.filter((i) => !expired(i, Date.now())).map((i) => [String(i.customerId), AssignmentSchema.parse(i)]));
  }

  putIfSameRun(a: Assignment) {
    return putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...a, ...assignmentKey(a.customerId), ...this.ttl(a) },
      ConditionExpression: 'attribute_not_exists(customerId) OR runId = :run',
      ExpressionAttributeValues: { ':run': a.runId },
    });
  }

  async putMany(list: readonly Assignment[]) {
    await batchWriteAll(this.doc, this.tableName, list.map((a) => ({ ...a, ...assignmentKey(a.customerId), ...this.ttl(a) })));
  }

  async all() {
    const out = new Map<string, string>();
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const res = await this.doc.send(new ScanCommand({ TableName: this.tableName, ProjectionExpression: 'customerId, segmentId', ExclusiveStartKey }));
      for (const i of res.Items ?? []) out.set(z.string().parse(i.customerId), z.string().parse(i.segmentId));
      ExclusiveStartKey = res.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async *exportOf(customerId: string): AsyncIterable<Assignment> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) yield* page.map((i) => AssignmentSchema.parse(i));
  }

  eraseOf(customerId: string): Promise<number> {
    return erasePartition(this.doc, this.tableName, keyAttributes(this.table), customerId);
  }
}

/** Segment definitions and runs share the global models table (JSON text: centroids and names only). */
export class DynamoSegmentStore implements SegmentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async getJson(key: { modelKey: string }): Promise<unknown> {
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key }))).Item;
    return item ? JSON.parse(z.string().parse(item.value)) : undefined;
  }

  private async putJson(key: { modelKey: string }, value: unknown, extra: Record<string, unknown> = {}) {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key, value: JSON.stringify(value), ...extra } }));
  }

  private async definitionAt(key: { modelKey: string }): Promise<SegmentDefinition | undefined> {
    const value = await this.getJson(key);
    return value === undefined ? undefined : (DefinitionShape.parse(value) as unknown as SegmentDefinition);
  }

  current = (j: Jurisdiction) => this.definitionAt(modelKeys.currentSegments(j));
  putCurrent = (def: SegmentDefinition) => this.putJson(modelKeys.currentSegments(def.jurisdiction), def);
  definition = (runId: string) => this.definitionAt(modelKeys.segmentDefinition(runId));
  putDefinition = (def: SegmentDefinition) => this.putJson(modelKeys.segmentDefinition(def.runId), def);

  async run(id: string) {
    const value = await this.getJson(modelKeys.segmentRun(id));
    return value === undefined ? undefined : RunSchema.parse(value);
  }

  startRun(run: SegmentRun, staleBefore: string) {
    return putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...modelKeys.segmentRun(run.id), value: JSON.stringify(run), runStatus: run.status, startedAt: run.startedAt },
      ConditionExpression: 'attribute_not_exists(modelKey) OR runStatus = :failed OR startedAt < :stale',
      ExpressionAttributeValues: { ':failed': 'failed', ':stale': staleBefore },
    });
  }

  putRun = (run: SegmentRun) => this.putJson(modelKeys.segmentRun(run.id), run, { runStatus: run.status, startedAt: run.startedAt });

  async names(j: Jurisdiction): Promise<SegmentNames> {
    return z.record(z.string(), SegmentNameEntry).parse((await this.getJson(modelKeys.segmentNames(j))) ?? {});
  }

  putNames = (j: Jurisdiction, names: SegmentNames) => this.putJson(modelKeys.segmentNames(j), names);
}
