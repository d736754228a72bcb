import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/ops/metrics.ts';
import { PrometheusSink } from '../../src/ops/prometheus.ts';

/** The sink's own bookkeeping (counters summed until read, labels remembered by identity when frozen). */
describe('PrometheusSink', () => {
  const line = (text: string, series: string) => text.split('\n').find((l) => l.startsWith(series))?.slice(series.length + 1);

  it('counts every increment once, across reads, whether the labels are frozen or made per call', async () => {
    const sink = new PrometheusSink();
    const frozen = Object.freeze({ region: 'eu-central-1', view: 'predictions' });
    for (let i = 0; i < 1000; i++) sink.record(METRICS.fastPathHits, frozen, 1);
    for (let i = 0; i < 500; i++) sink.record(METRICS.fastPathHits, { region: 'eu-central-1', view: 'predictions' }, 1);
    sink.record(METRICS.fastPathHits, { view: 'segment', region: 'eu-central-1' }, 2);
    const series = 'cadence_storefront_fast_path_hits_total{region="eu-central-1",view="predictions"}';
    expect(line((await sink.expose()).text, series)).toBe('1500');
    expect(line((await sink.expose()).text, series)).toBe('1500'); // a second read adds nothing
    for (let i = 0; i < 7; i++) sink.record(METRICS.fastPathHits, frozen, 1);
    expect(line((await sink.expose([METRICS.fastPathHits.name])).text, series)).toBe('1507');
    const values = await sink.values(METRICS.fastPathHits.name);
    expect(values).toEqual(expect.arrayContaining([
      { labels: { region: 'eu-central-1', view: 'predictions' }, value: 1507 },
      { labels: { region: 'eu-central-1', view: 'segment' }, value: 2 },
    ]));
  });

  it('observes histograms and sets gauges as they come', async () => {
    const sink = new PrometheusSink();
    const labels = Object.freeze({ cache: 'views' });
    sink.record(METRICS.cacheAge, labels, 3);
    sink.record(METRICS.cacheAge, { cache: 'views' }, 40);
    sink.record(METRICS.streamLag, { region: 'eu-central-1' }, 12);
    sink.record(METRICS.streamLag, { region: 'eu-central-1' }, 5);
    const text = (await sink.expose()).text;
    expect(line(text, 'cadence_cache_served_age_seconds_count{cache="views"}')).toBe('2');
    expect(line(text, 'cadence_cache_served_age_seconds_sum{cache="views"}')).toBe('43');
    expect(line(text, 'cadence_cache_served_age_seconds_bucket{le="5",cache="views"}')).toBe('1');
    expect(line(text, 'cadence_stream_lag_seconds{region="eu-central-1"}')).toBe('5');
  });
});
