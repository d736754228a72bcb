import { PERSONAL_TABLE_KINDS, type TableKind } from '../regions/region.schema.ts';

/**
 * The port every holder of personal data implements: everything it holds about one customer can be read
 * out and erased, each with one query of the customer's partition (never a scan). The privacy workflow
 * (export, erasure) only walks the registry; a table the region schema marks personal without an owner
 * here fails a test, so privacy requests stay complete as features are added.
 */
export interface PersonalData {
  /** The personal table this owner holds. */
  readonly table: TableKind;
  /** Every record of the customer, page by page, in the feature's own shape (never all in memory). */
  exportOf(customerId: string): AsyncIterable<unknown>;
  /** Deletes every item of the customer from the table; how many were deleted. */
  eraseOf(customerId: string): Promise<number>;
}

/** The personal tables no owner covers (empty when the registry is complete). */
export function uncoveredTables(owners: readonly PersonalData[]): TableKind[] {
  const covered = new Set(owners.map((o) => o.table));
  return PERSONAL_TABLE_KINDS.filter((t) => !covered.has(t));
}

/**
 * Owners of one table as one (one page of an erasure job, one export section): their records in turn,
 * their erased counts added. The predictions table holds the served predictions and the accuracy
 * snapshots' rows (decision 141).
 */
export function jointOwner(table: TableKind, owners: readonly PersonalData[]): PersonalData {
  return {
    table,
    async *exportOf(customerId) {
      for (const owner of owners) yield* owner.exportOf(customerId);
    },
    async eraseOf(customerId) {
      let erased = 0;
      for (const owner of owners) erased += await owner.eraseOf(customerId);
      return erased;
    },
  };
}
