import { regions } from '../regions/index.ts';
import { parseLambdaEnv } from './config/env.ts';
import { KeyedHasher } from './privacy/keyed-hash.ts';
import { DynamoPrivacyRepository } from './privacy/privacy.repository.ts';
import { Suppression } from './privacy/suppression.ts';
import { findRegion } from './regions/region-set.ts';
import { documentClient } from './storage/client.ts';
import { LiveConsumer } from './streaming/consumer.ts';
import { kinesisHandler } from './streaming/lambda.ts';
import { LiveRepository } from './streaming/live.repository.ts';

/**
 * The stream consumer as an AWS Lambda function (a Kinesis event source mapping in infra/), in the
 * jurisdiction's home region, next to its tables. Built once per execution environment.
 */
const env = parseLambdaEnv(process.env);
const region = findRegion(regions, env.CADENCE_REGION);
if (!region) throw new Error(`CADENCE_REGION ${env.CADENCE_REGION} has no file in regions/`);
const doc = documentClient({ region: region.awsRegion });
const suppression = new Suppression(new DynamoPrivacyRepository(doc, region.tables.privacy), new KeyedHasher(env.CADENCE_PRIVACY_KEY));

export const handler = kinesisHandler(
  new LiveConsumer({
    jurisdiction: region.jurisdiction,
    live: new LiveRepository(doc, region.tables.events, Date.now),
    erasedCustomers: (ids) => suppression.erasedCustomers(ids),
    now: Date.now,
  }),
);
