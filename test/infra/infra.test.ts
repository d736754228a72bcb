import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { regions } from '../../regions/index.ts';
import { buildInfra } from '../../infra/stacks.ts';
import { bundleHeavyJobs, bundleStreamConsumer } from '../../infra/consumer-bundle.ts';

type Resource = { Type: string; Properties: Record<string, any> };
let templates: Record<'EU' | 'ROW', Record<string, Resource>>;

beforeAll(() => {
  const app = new App();
  const stacks = buildInfra(app, { regions, account: '123456789012', consumerCodeDir: bundleStreamConsumer(), heavyJobsCodeDir: bundleHeavyJobs() });
  templates = {
    EU: Template.fromStack(stacks.EU).toJSON().Resources,
    ROW: Template.fromStack(stacks.ROW).toJSON().Resources,
  };
}, 60_000);

const tables = (j: 'EU' | 'ROW') => Object.values(templates[j]).filter((r) => r.Type === 'AWS::DynamoDB::GlobalTable');
const replicaRegions = (t: Resource) => t.Properties.Replicas.map((r: { Region: string }) => r.Region).sort();

describe('infrastructure (CDK, synthesized offline)', () => {
  it('replicates EU personal tables only between eu-central-1 and eu-west-1, and ROW ones only outside the EU', () => {
    const euPersonal = tables('EU').filter((t) => /-eu-/.test(t.Properties.TableName));
    expect(euPersonal.map((t) => t.Properties.TableName).sort()).toEqual(['cadence-eu-customers', 'cadence-eu-events', 'cadence-eu-exposures', 'cadence-eu-insights', 'cadence-eu-jobs', 'cadence-eu-predictions', 'cadence-eu-privacy', 'cadence-eu-purchases', 'cadence-eu-recommendations', 'cadence-eu-segments']);
    for (const t of euPersonal) expect(replicaRegions(t)).toEqual(['eu-central-1', 'eu-west-1']);
    const rowPersonal = tables('ROW');
    expect(rowPersonal.map((t) => t.Properties.TableName).sort()).toEqual(['cadence-row-customers', 'cadence-row-events', 'cadence-row-exposures', 'cadence-row-insights', 'cadence-row-jobs', 'cadence-row-predictions', 'cadence-row-privacy', 'cadence-row-purchases', 'cadence-row-recommendations', 'cadence-row-segments']);
    for (const t of rowPersonal) expect(replicaRegions(t)).toEqual(['ap-southeast-2', 'us-east-1']);
  });

  it('replicates the non-personal global tables to every region', () => {
    const global = tables('EU').filter((t) => /-global-/.test(t.Properties.TableName));
    expect(global.map((t) => t.Properties.TableName).sort()).toEqual(['cadence-global-api-keys', 'cadence-global-catalog', 'cadence-global-experiments', 'cadence-global-models']);
    for (const t of global) expect(replicaRegions(t)).toEqual(regions.map((r) => r.awsRegion).sort());
  });

  it('builds the same keys and indexes the app uses locally', () => {
    const purchases = tables('EU').find((t) => t.Properties.TableName === 'cadence-eu-purchases')!;
    expect(purchases.Properties.KeySchema).toEqual([
      { AttributeName: 'customerId', KeyType: 'HASH' },
      { AttributeName: 'lineKey', KeyType: 'RANGE' },
    ]);
    expect(purchases.Properties.LocalSecondaryIndexes[0].IndexName).toBe('byTime');
  });

  it("gives each region's Worker IAM access to its own jurisdiction's tables and the global ones, never the other's", () => {
    for (const j of ['EU', 'ROW'] as const) {
      const policies = Object.values(templates[j]).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Users);
      expect(policies.length).toBe(2);
      const text = JSON.stringify(policies);
      expect(text).toContain(j === 'EU' ? 'table/cadence-eu-customers' : 'table/cadence-row-customers');
      expect(text).not.toContain(j === 'EU' ? 'cadence-row-' : 'cadence-eu-');
      // Every DynamoDB call the app makes is allowed (the refit scans; ingestion batch-reads; predictions put).
      for (const action of ['GetItem', 'PutItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem']) expect(text).toContain(`dynamodb:${action}`);
      if (j === 'EU') expect(text).not.toMatch(/dynamodb:(us|ap)-/);
      else expect(text).not.toMatch(/dynamodb:eu-/);
    }
  });

  it("has each jurisdiction's stream in its home region, and the consumer with its event source mapping", () => {
    for (const [j, name] of [['EU', 'cadence-eu-events'], ['ROW', 'cadence-row-events']] as const) {
      const streams = Object.values(templates[j]).filter((r) => r.Type === 'AWS::Kinesis::Stream');
      expect(streams.map((s) => s.Properties.Name)).toEqual([name]);
      expect(streams[0]!.Properties.StreamEncryption.EncryptionType).toBe('KMS');
      const mapping = Object.values(templates[j]).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping')!;
      expect(mapping.Properties).toMatchObject({ BatchSize: 100, BisectBatchOnFunctionError: true, MaximumRecordAgeInSeconds: 86_400, ParallelizationFactor: 1, StartingPosition: 'TRIM_HORIZON', FunctionResponseTypes: ['ReportBatchItemFailures'] });
      expect(mapping.Properties.DestinationConfig.OnFailure.Destination).toBeDefined();
      const fn = Object.values(templates[j]).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `${name}-consumer`)!;
      expect(fn.Properties.Environment.Variables.CADENCE_REGION).toBe(j === 'EU' ? 'eu-central-1' : 'us-east-1');
      // The Workers may put records on their own jurisdiction's stream only.
      const workers = JSON.stringify(Object.values(templates[j]).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Users));
      expect(workers).toContain(`stream/${name}`);
      expect(workers).not.toContain(j === 'EU' ? 'stream/cadence-row-' : 'stream/cadence-eu-');
      if (j === 'EU') expect(workers).toContain('arn:aws:kinesis:eu-central-1:');
    }
  });

  it("runs each jurisdiction's heavy jobs as a Lambda function in its home region, on the Workers' cron minutes", () => {
    for (const [j, home] of [['EU', 'eu-central-1'], ['ROW', 'us-east-1']] as const) {
      const resources = Object.values(templates[j]);
      const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `cadence-${j.toLowerCase()}-heavy-jobs`)!;
      expect(fn.Properties).toMatchObject({ MemorySize: 3008, Timeout: 900, Environment: { Variables: { CADENCE_REGION: home } } });
      // Its heap is capped below the memory (decision 143): V8 collects instead of growing to the Lambda's limit.
      const cap = /^--max-old-space-size=(\d+)$/.exec(fn.Properties.Environment.Variables.NODE_OPTIONS)?.[1];
      expect(Number(cap)).toBe(2256);
      expect(Number(cap)).toBeLessThan(fn.Properties.MemorySize);
      const rules = resources.filter((r) => r.Type === 'AWS::Events::Rule');
      expect(rules.map((r) => [r.Properties.ScheduleExpression, JSON.parse(r.Properties.Targets[0].Input).type]).sort()).toEqual([
        ['cron(17 3 * * ? *)', 'predictions.refit'],
        ['cron(47 3 * * ? *)', 'segments.run'],
        ['cron(57 3 * * ? *)', 'recommendations.rebuild'],
      ]);
      // Its role reaches its own jurisdiction's tables only (and the global ones).
      const role = JSON.stringify(resources.filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r).includes('HeavyJobs')));
      expect(role).toContain(`table/cadence-${j.toLowerCase()}-jobs`);
      expect(role).not.toContain(j === 'EU' ? 'table/cadence-row-' : 'table/cadence-eu-');
    }
  });
});
