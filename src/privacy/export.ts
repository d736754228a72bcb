import type { PersonalData } from './personal-data.ts';

const encoder = new TextEncoder();

/**
 * A customer's data as one JSON document, written as it is read: each owner's records go out page by
 * page, so a customer with 100,000 purchase lines never has them all in memory. Sections are named by
 * table; `extra` adds sections that are not tables (the privacy requests).
 */
export function exportStream(customerId: string, exportedAt: string, owners: readonly PersonalData[], extra: Record<string, () => AsyncIterable<unknown>> = {}): ReadableStream<Uint8Array> {
  const sections: [string, () => AsyncIterable<unknown>][] = [...owners.map((o) => [o.table, () => o.exportOf(customerId)] as [string, () => AsyncIterable<unknown>]), ...Object.entries(extra)];
  async function* chunks(): AsyncGenerator<string> {
    yield `{"format":"cadence-export-1","customerId":${JSON.stringify(customerId)},"exportedAt":${JSON.stringify(exportedAt)},"sections":{`;
    for (const [i, [name, records]] of sections.entries()) {
      yield `${i > 0 ? ',' : ''}${JSON.stringify(name)}:[`;
      let first = true;
      for await (const record of records()) {
        yield `${first ? '' : ','}${JSON.stringify(record)}`;
        first = false;
      }
      yield ']';
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
      await it.return(undefined);
    },
  });
}
