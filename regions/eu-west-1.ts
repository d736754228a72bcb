import { defineRegion } from '../src/regions/region.schema.ts';

export default defineRegion({
  id: 'eu-west-1',
  jurisdiction: 'EU',
  home: false,
  awsRegion: 'eu-west-1',
  tables: {
    customers: 'cadence-eu-customers',
    purchases: 'cadence-eu-purchases',
    predictions: 'cadence-eu-predictions',
    segments: 'cadence-eu-segments',
    insights: 'cadence-eu-insights',
    recommendations: 'cadence-eu-recommendations',
    privacy: 'cadence-eu-privacy',
    jobs: 'cadence-eu-jobs',
    exposures: 'cadence-eu-exposures',
    events: 'cadence-eu-events',
    catalog: 'cadence-global-catalog',
    apiKeys: 'cadence-global-api-keys',
    models: 'cadence-global-models',
    experiments: 'cadence-global-experiments',
  },
  bedrock: { region: 'eu-west-1', modelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' },
  stream: { name: 'cadence-eu-events', awsRegion: 'eu-central-1' },
  failover: ['eu-central-1'],
  placement: 'aws:eu-west-1',
});
