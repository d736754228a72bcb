import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PersonalData } from '../privacy/personal-data.ts';
import { insightItemKeys } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';
import { StoredAnalysisItem } from './analyses.repository.ts';
import { AnalysisJobItem } from './jobs.repository.ts';
import { LedgerItem } from './ledger.repository.ts';

/** One record of the insights table, by kind (what an export lists). */
export type InsightRecord =
  | { kind: 'analysis'; analysis: unknown }
  | { kind: 'job'; job: unknown }
  | { kind: 'ledger'; line: unknown }
  | { kind: 'pending'; jobId: unknown };

/**
 * The insights table's owner for privacy requests: a customer's analysis, refresh marker, jobs and ledger
 * lines share the customer's partition, so one query reads or erases all of them.
 */
export class InsightsPersonalData implements PersonalData {
  readonly table = 'insights' as const;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async *exportOf(customerId: string): AsyncIterable<InsightRecord> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) {
      for (const item of page) {
        const itemKey = String(item.itemKey);
        if (itemKey === insightItemKeys.analysis) yield { kind: 'analysis', analysis: StoredAnalysisItem.parse(item) };
        else if (itemKey === insightItemKeys.pending) yield { kind: 'pending', jobId: item.jobId };
        else if (itemKey.startsWith('job#')) yield { kind: 'job', job: AnalysisJobItem.parse(item) };
        else if (itemKey.startsWith(insightItemKeys.ledgerPrefix)) yield { kind: 'ledger', line: LedgerItem.parse(item) };
      }
    }
  }

  eraseOf(customerId: string): Promise<number> {
    return erasePartition(this.doc, this.tableName, keyAttributes(this.table), customerId);
  }
}
