import { App, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { streamAndConsumer } from './streaming.ts';
import { heavyJobs } from './heavy-jobs.ts';
import { AttributeType, Billing, TableV2, type TablePropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, User } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { servingOrder } from '../src/regions/region-set.ts';
import type { Jurisdiction, Region } from '../src/regions/region.schema.ts';
import { TTL_ATTRIBUTE } from '../src/storage/keys.ts';
import { GLOBAL_TABLES, JURISDICTION_TABLES, tableDefinition } from '../src/storage/tables.ts';
import { buildMonitoring } from './monitoring.ts';

/**
 * The tables the app creates locally, as CDK TableV2 (DynamoDB global tables): the key design comes from
 * src/storage/tables.ts, so local, test and production tables cannot differ.
 */
/** Tables whose items expire (`expiresAt`): purchases by retention, derived data by inactivity. */
const EXPIRING_TABLES = new Set(['purchases', 'predictions', 'segments', 'insights', 'recommendations', 'events', 'jobs']);

export function tableProps(def: CreateTableCommandInput, replicas: readonly string[]): TablePropsV2 {
  const type = (name: string) => {
    const t = def.AttributeDefinitions!.find((a) => a.AttributeName === name)!.AttributeType;
    return t === 'N' ? AttributeType.NUMBER : t === 'B' ? AttributeType.BINARY : AttributeType.STRING;
  };
  const key = (schema: { AttributeName?: string; KeyType?: string }[] | undefined, kind: 'HASH' | 'RANGE') => {
    const name = schema?.find((k) => k.KeyType === kind)?.AttributeName;
    return name ? { name, type: type(name) } : undefined;
  };
  const sortKey = key(def.KeySchema, 'RANGE');
  return {
    tableName: def.TableName!,
    partitionKey: key(def.KeySchema, 'HASH')!,
    ...(sortKey ? { sortKey } : {}),
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    localSecondaryIndexes: (def.LocalSecondaryIndexes ?? []).map((i) => ({ indexName: i.IndexName!, sortKey: key(i.KeySchema, 'RANGE')! })),
    globalSecondaryIndexes: (def.GlobalSecondaryIndexes ?? []).map((i) => {
      const sk = key(i.KeySchema, 'RANGE');
      return { indexName: i.IndexName!, partitionKey: key(i.KeySchema, 'HASH')!, ...(sk ? { sortKey: sk } : {}) };
    }),
    replicas: replicas.map((region) => ({ region })),
    // Retention: items carry their expiry; DynamoDB deletes them (lazily) and reads filter them out.
    ...(EXPIRING_TABLES.has(def.TableName!.replace(/^cadence-(eu|row)-/, '')) ? { timeToLiveAttribute: TTL_ATTRIBUTE } : {}),
  };
}

export interface CadenceInfraProps {
  regions: readonly Region[];
  account: string;
  /** The stream consumer's bundled code (infra/consumer-bundle.ts builds it). */
  consumerCodeDir: string;
  /** The heavy-job entry's bundled code (src/heavy.ts; infra/consumer-bundle.ts builds it). */
  heavyJobsCodeDir: string;
  /** The daily AI budget in USD (as CADENCE_AI_DAILY_BUDGET_USD), for the budget alarms; 50 by default. */
  dailyBudgetUsd?: number;
}

/**
 * One stack per jurisdiction, in its home region: the jurisdiction's personal tables replicated only to
 * its own failover regions, and an IAM user per deployment region whose policy names only its own
 * jurisdiction's tables and the global ones. The global tables live in the EU home stack and are
 * replicated to every region.
 */
export function buildInfra(app: App, props: CadenceInfraProps): Record<Jurisdiction, Stack> {
  const { regions, account } = props;
  const homeOf = (j: Jurisdiction) => servingOrder(regions, j)[0]!;
  const stacks = {} as Record<Jurisdiction, Stack>;
  for (const jurisdiction of ['EU', 'ROW'] as const) {
    const home = homeOf(jurisdiction);
    stacks[jurisdiction] = new Stack(app, `Cadence-${jurisdiction}`, {
      env: { account, region: home.awsRegion },
      description: `Cadence ${jurisdiction} personal data tables (replicated only within ${jurisdiction}) and Worker IAM users`,
    } satisfies StackProps);
  }

  const globalHome = homeOf('EU');
  const everywhereElse = regions.filter((r) => r.awsRegion !== globalHome.awsRegion).map((r) => r.awsRegion);
  for (const kind of GLOBAL_TABLES) {
    new TableV2(stacks.EU, `Global-${kind}`, tableProps(tableDefinition(kind, globalHome.tables[kind]), everywhereElse));
  }

  for (const jurisdiction of ['EU', 'ROW'] as const) {
    const stack = stacks[jurisdiction];
    const serving = servingOrder(regions, jurisdiction);
    const home = serving[0]!;
    buildMonitoring(stack, { jurisdiction, serving, dailyBudgetUsd: props.dailyBudgetUsd ?? 50 });
    const personal = Object.fromEntries(
      JURISDICTION_TABLES.map((kind) => [kind, new TableV2(stack, `Personal-${kind}`, tableProps(tableDefinition(kind, home.tables[kind]), serving.slice(1).map((r) => r.awsRegion)))]),
    );
    streamAndConsumer(stack, { home, account, codeDir: props.consumerCodeDir, events: personal.events!, privacy: personal.privacy! });
    heavyJobs(stack, { home, account, codeDir: props.heavyJobsCodeDir });
    for (const region of serving) {
      // Workers cannot assume roles: each region's Worker signs with this user's keys (a Worker secret).
      const user = new User(stack, `Worker-${region.id}`, { userName: `cadence-worker-${region.id}` });
      const arns = (tableNames: string[]) =>
        tableNames.flatMap((name) => [`arn:aws:dynamodb:${region.awsRegion}:${account}:table/${name}`, `arn:aws:dynamodb:${region.awsRegion}:${account}:table/${name}/index/*`]);
      user.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          // Scan: the daily refit reads the jurisdiction's purchases table whole.
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'],
          resources: arns(JURISDICTION_TABLES.map((k) => region.tables[k])),
        }),
      );
      user.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          // UpdateItem: the daily AI-cost aggregates are counters (ADD).
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
          resources: arns(GLOBAL_TABLES.map((k) => region.tables[k])),
        }),
      );
      // Converse needs InvokeModel on the inference profile and on the model in the regions the profile
      // routes to; for an EU profile those are EU regions only, so processing stays in the EU.
      const baseModel = region.bedrock.modelId.replace(/^(eu|us|apac|au|jp)\./, '');
      const modelRegions = jurisdiction === 'EU' ? 'eu-*' : '*';
      user.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['bedrock:InvokeModel'],
          resources: [
            `arn:aws:bedrock:${region.bedrock.region}:${account}:inference-profile/${region.bedrock.modelId}`,
            `arn:aws:bedrock:${modelRegions}::foundation-model/${baseModel}`,
          ],
        }),
      );
      // The jurisdiction's events go to its own stream, in its home region only (producer side).
      user.addToPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['kinesis:PutRecords', 'kinesis:PutRecord', 'kinesis:DescribeStreamSummary'],
          resources: [`arn:aws:kinesis:${region.stream.awsRegion}:${account}:stream/${region.stream.name}`],
        }),
      );
      new CfnOutput(stack, `WorkerUser-${region.id}`, { value: user.userName, description: `Create an access key for this user and store it as the ${region.id} Worker's AWS secrets` });
    }
  }
  return stacks;
}
