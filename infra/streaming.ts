import { Duration, Stack } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Architecture, Code, Function as LambdaFunction, Runtime, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Region } from '../src/regions/region.schema.ts';

/** Records Kinesis keeps: the consumer's event markers live a day longer (src/streaming/live.repository.ts). */
export const STREAM_RETENTION_DAYS = 7;

export interface StreamProps {
  home: Region;
  account: string;
  codeDir: string;
  events: TableV2;
  privacy: TableV2;
}

/**
 * A jurisdiction's Kinesis data stream in its home region and the live-analytics consumer: the same
 * handler module the local poller runs, as a Lambda function with a Kinesis event source mapping
 * (batches of 100, bisected on error, retried until the records are a day old, then their positions
 * sent to an SQS on-failure destination; one batch per shard at a time, so each shard has one writer).
 */
export function streamAndConsumer(stack: Stack, props: StreamProps): void {
  const { home } = props;
  const stream = new Stream(stack, 'Events', {
    streamName: home.stream.name,
    streamMode: StreamMode.PROVISIONED,
    shardCount: 2,
    retentionPeriod: Duration.days(STREAM_RETENTION_DAYS),
    encryption: StreamEncryption.MANAGED,
  });
  const failed = new Queue(stack, 'StreamConsumerFailures', {
    queueName: `${home.stream.name}-consumer-failures`,
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  // The suppression list's key, the same secret as the Workers' CADENCE_PRIVACY_KEY.
  const privacyKey = Secret.fromSecretNameV2(stack, 'PrivacyKey', `cadence/${home.jurisdiction.toLowerCase()}/privacy-key`);
  const consumer = new LambdaFunction(stack, 'StreamConsumer', {
    functionName: `${home.stream.name}-consumer`,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    handler: 'index.handler',
    code: Code.fromAsset(props.codeDir),
    memorySize: 512,
    timeout: Duration.minutes(1),
    environment: { CADENCE_REGION: home.id, CADENCE_PRIVACY_KEY: privacyKey.secretValue.unsafeUnwrap() },
  });
  props.events.grantReadWriteData(consumer);
  props.privacy.grantReadData(consumer);
  consumer.addEventSource(
    new KinesisEventSource(stream, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: Duration.days(1),
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(failed),
    }),
  );
}
