import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PersonalData } from '../privacy/personal-data.ts';
import { anonymousLedgerKey, insightItemKeys } from '../storage/keys.ts';
import { erasePartition, partitionPages } from '../storage/partition.ts';
import { keyAttributes } from '../storage/tables.ts';
import { StoredAnalysisItem } from './analyses.repository.ts';
import { AnalysisJobItem } from './jobs.repository.ts';
import { LedgerItem } from './ledger.repository.ts';

/** A key for an anonymised ledger line: the same for the same line (retries do not copy twice), unlinkable. */
async function unlinkable(jobId: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`ledger-anon\u0000${jobId}`));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

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

  /**
   * Erases the customer's partition; the cost-ledger lines are kept first without the customer: a copy
   * of each line's figures (model, region, tokens, price, cost, outcome, time; not the answer, not the
   * input, not the job id) goes to the month's anonymous partition under a key no one can link back.
   */
  async eraseOf(customerId: string): Promise<number> {
    for await (const page of partitionPages(this.doc, this.tableName, customerId)) {
      for (const item of page.filter((i) => String(i.itemKey).startsWith(insightItemKeys.ledgerPrefix))) {
        const line = LedgerItem.parse(item);
        const anonymous = { at: line.at, modelId: line.modelId, region: line.region, calls: line.calls, inputTokens: line.inputTokens, outputTokens: line.outputTokens, pricePerMillion: line.pricePerMillion, costUsd: line.costUsd, outcome: line.outcome };
        await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...anonymousLedgerKey(line.at.slice(0, 7), await unlinkable(line.jobId)), ...anonymous } }));
      }
    }
    return erasePartition(this.doc, this.tableName, keyAttributes(this.table), customerId);
  }
}
