import { regions } from '../../regions/index.ts';
import { customerItem } from '../customers/customers.repository.ts';
import { purchaseItem } from '../purchases/purchases.repository.ts';
import { batchWriteAll } from '../storage/batch.ts';
import { documentClient } from '../storage/client.ts';
import { homeRegion, localConnection } from './bootstrap.ts';
import type { DemoData } from './demo-data.ts';
import type { StoreName } from './dynamo-stores.ts';

/** Loads demo data in bulk (25 items per call), each customer's items into its own jurisdiction's store. */
export async function loadDemoData(endpoints: Record<StoreName, string>, data: DemoData): Promise<void> {
  const global = documentClient(localConnection(endpoints.GLOBAL));
  await batchWriteAll(global, regions[0]!.tables.catalog, data.products.map((p) => ({ productId: p.id, category: p.category, product: p })));
  for (const jurisdiction of ['EU', 'ROW'] as const) {
    const doc = documentClient(localConnection(endpoints[jurisdiction]));
    const { tables } = homeRegion(jurisdiction);
    const mine = (id: string) => id.startsWith(`cus_${jurisdiction.toLowerCase()}_`);
    await batchWriteAll(doc, tables.customers, data.customers.filter((c) => mine(c.id)).map((c) => customerItem(c)));
    await batchWriteAll(doc, tables.purchases, data.lines.filter((l) => mine(l.customerId)).map((l) => purchaseItem(l)));
  }
}
