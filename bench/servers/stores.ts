/** The embedded stores (dynalite) in their own process, as DynamoDB is not in the API's process either. */
import { startLocalStores } from '../../src/local/dynamo-stores.ts';

const stores = await startLocalStores();
process.stdout.write(`${JSON.stringify({ endpoints: stores.endpoints })}\n`);
process.on('SIGTERM', () => process.exit(0));
