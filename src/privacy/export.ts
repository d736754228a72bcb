import type { PersonalData } from './personal-data.ts';

const encoder = new TextEncoder();

/**
 * A customer's data as one JSON document, written as it is read: each owner's records go out page by
 * page, so a customer with 100,000 purchase lines never has them all in memory. Sections are named by
 * table; `extra` adds sections that are not tables (the privacy requests).
 */
/** Told as each owner's section is written out, or fails (a tracked export job counts them). */
export interface ExportProgress {
  written(owner: number, records: number): Promise<void>;
  failed(owner: number, err: unknown): Promise<void>;
  /** The reader went away: owners not written yet. */
  abandoned(fromOwner: number): Promise<void>;
}

export function exportStream(customerId: string, exportedAt: string, owners: readonly PersonalData[], extra: Record<string, () => AsyncIterable<unknown>> = {}, progress?: ExportProgress): ReadableStream<Uint8Array> {
  let current = 0;
  const sections: [string, () => AsyncIterable<unknown>][] = [...owners.map((o) => [o.table, () => o.exportOf(customerId)] as [string, () => AsyncIterable<unknown>]), ...Object.entries(extra)];
  async function* chunks(): AsyncGenerator<string> {
    yield `{"format":"cadence-export-1","customerId":${JSON.stringify(customerId)},"exportedAt":${JSON.stringify(exportedAt)},"sections":{`;
    for (const [i, [name, records]] of sections.entries()) {
      yield `${i > 0 ? ',' : ''}${JSON.stringify(name)}:[`;
      let first = true;
      let n = 0;
      current = i;
      try {
        for await (const record of records()) {
          yield `${first ? '' : ','}${JSON.stringify(record)}`;
          first = false;
          n++;
        }
      } catch (err) {
        if (i < owners.length) await progress?.failed(i, err).catch(() => undefined);
        throw err;
      }
      yield ']';
      if (i < owners.length) await progress?.written(i, n);
    }
    yield '}}';
  }
  const it = chunks();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await progress?.abandoned(current).catch(() => undefined);
      await it.return(undefined);
    },
  });
}
