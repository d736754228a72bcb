import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { batchWriteAll } from '../storage/batch.ts';
import { putIf } from '../storage/conditional.ts';
import type { Segment, SegmentModel } from './model/run.ts';

/** A customer's place in the segments (personal: stored in the customer's jurisdiction). */
export interface Assignment {
  customerId: string;
  segmentId: string;
  distance: number;
  runId: string;
  assignedAt: string;
  /** Where the customer was before the last change, if it changed. */
  previousSegmentId?: string;
}

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

export type RunStatus = 'running' | 'succeeded' | 'failed';

/** A segment run's record: status, choice of k, agreement with the previous run and moves (counts). */
export interface SegmentRun {
  id: string;
  jurisdiction: Jurisdiction;
  status: RunStatus;
  /** Share of the run done (0..1) and what it is doing, updated as it goes. */
  progress?: { done: number; phase: 'loading' | 'clustering' | 'assigning' | 'finished' };
  startedAt: string;
  finishedAt?: string;
  customers?: number;
  k?: number;
  candidates?: { k: number; silhouette: number; inertia: number }[];
  agreement?: number;
  moves?: { from: string; to: string; customers: number }[];
  featureSetVersion?: string;
  error?: { code: string; message: string };
}

export interface AssignmentRepository {
  get(customerId: string): Promise<Assignment | undefined>;
  /** Stores unless the stored assignment comes from another run than `runId` (a newer run wrote it). */
  putIfSameRun(a: Assignment): Promise<boolean>;
  putMany(list: readonly Assignment[]): Promise<void>;
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
}

export function dynamoAssignmentRepository(doc: DynamoDBDocumentClient, table: string): AssignmentRepository {
  return {
    async get(customerId) {
      return (await doc.send(new GetCommand({ TableName: table, Key: { customerId } }))).Item as Assignment | undefined;
    },
    putIfSameRun: (a) =>
      putIf(doc, {
        TableName: table,
        Item: a,
        ConditionExpression: 'attribute_not_exists(customerId) OR runId = :run',
        ExpressionAttributeValues: { ':run': a.runId },
      }),
    async putMany(list) {
      await batchWriteAll(doc, table, list as unknown as Record<string, unknown>[]);
    },
    async all() {
      const out = new Map<string, string>();
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const res = await doc.send(new ScanCommand({ TableName: table, ProjectionExpression: 'customerId, segmentId', ExclusiveStartKey }));
        for (const i of res.Items ?? []) out.set(i.customerId as string, i.segmentId as string);
        ExclusiveStartKey = res.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return out;
    },
  };
}

/** Segment definitions and runs share the global models table (JSON text: centroids and names only). */
export function dynamoSegmentStore(doc: DynamoDBDocumentClient, table: string): SegmentStore {
  const get = async <T>(modelKey: string) => {
    const item = (await doc.send(new GetCommand({ TableName: table, Key: { modelKey } }))).Item;
    return item ? (JSON.parse(item.value as string) as T) : undefined;
  };
  const put = (modelKey: string, value: unknown, extra: Record<string, unknown> = {}) =>
    doc.send(new PutCommand({ TableName: table, Item: { modelKey, value: JSON.stringify(value), ...extra } }));
  return {
    current: (j) => get<SegmentDefinition>(`${j}#segments`),
    putCurrent: async (def) => void (await put(`${def.jurisdiction}#segments`, def)),
    definition: (runId) => get<SegmentDefinition>(`def#${runId}`),
    putDefinition: async (def) => void (await put(`def#${def.runId}`, def)),
    run: (id) => get<SegmentRun>(`run#${id}`),
    startRun: (run, staleBefore) =>
      putIf(doc, {
        TableName: table,
        Item: { modelKey: `run#${run.id}`, value: JSON.stringify(run), runStatus: run.status, startedAt: run.startedAt },
        ConditionExpression: 'attribute_not_exists(modelKey) OR runStatus = :failed OR startedAt < :stale',
        ExpressionAttributeValues: { ':failed': 'failed', ':stale': staleBefore },
      }),
    putRun: async (run) => void (await put(`run#${run.id}`, run, { runStatus: run.status, startedAt: run.startedAt })),
  };
}
