import { defineRegion } from '../src/regions/region.schema.ts';

export default defineRegion({
  id: 'ap-southeast-2',
  jurisdiction: 'ROW',
  home: false,
  awsRegion: 'ap-southeast-2',
  tables: {
    customers: 'cadence-row-customers',
    purchases: 'cadence-row-purchases',
    predictions: 'cadence-row-predictions',
    segments: 'cadence-row-segments',
    insights: 'cadence-row-insights',
    recommendations: 'cadence-row-recommendations',
    privacy: 'cadence-row-privacy',
    jobs: 'cadence-row-jobs',
    exposures: 'cadence-row-exposures',
    events: 'cadence-row-events',
    catalog: 'cadence-global-catalog',
    apiKeys: 'cadence-global-api-keys',
    models: 'cadence-global-models',
    experiments: 'cadence-global-experiments',
  },
  bedrock: { region: 'ap-southeast-2', modelId: 'au.anthropic.claude-haiku-4-5-20251001-v1:0' },
  stream: { name: 'cadence-row-events', awsRegion: 'us-east-1' },
  failover: ['us-east-1'],
  placement: 'aws:ap-southeast-2',
});
