/**
 * CDK app: `npx aws-cdk@2.1148.1 synth --app "npx tsx infra/app.ts"` (CLI 3.x cannot read what current
 * aws-cdk-lib writes). Synthesizes offline; deploying needs an AWS account (CDK_DEFAULT_ACCOUNT).
 */
import { App } from 'aws-cdk-lib';
import { regions } from '../regions/index.ts';
import { bundleHeavyJobs, bundleStreamConsumer } from './consumer-bundle.ts';
import { buildInfra } from './stacks.ts';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
buildInfra(app, { regions, account: process.env.CDK_DEFAULT_ACCOUNT ?? app.node.tryGetContext('account') ?? '111111111111', consumerCodeDir: bundleStreamConsumer(), heavyJobsCodeDir: bundleHeavyJobs() });
app.synth();
