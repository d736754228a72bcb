import { Problem } from '../http/problem.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { otherJurisdiction } from '../residency/jurisdiction.ts';
import { DependencyUnavailable } from '../shared/errors.ts';
import { PhaseAccumulator, type AttributedLine } from './model/attribution.ts';
import { analyse, combinePhaseSums, type EngineName, type PhaseSums } from './model/results.ts';
import { JurisdictionStatsSchema, type Experiment, type JurisdictionStats, type Results } from './experiments.schemas.ts';
import type { ExposureRepository } from './exposures.repository.ts';

/** Asks the other jurisdiction for its sufficient statistics (through the residency layer); the raw answer. */
export type PeerStats = (jurisdiction: Jurisdiction, key: string, phase: number) => Promise<Response>;

export interface ResultsDeps {
  jurisdiction: Jurisdiction;
  exposures: Pick<ExposureRepository, 'phaseItems'>;
}

const phaseOf = (def: Experiment, phase: number | undefined) => {
  const p = def.phases.find((x) => x.phase === (phase ?? def.phase));
  if (!p) throw new Problem(404, 'experiments.phaseNotFound', `Experiment "${def.key}" has no phase ${phase}`, { phases: def.phases.map((x) => x.phase) });
  return p;
};

/**
 * Results per phase. Each jurisdiction reduces its own exposures and attributed purchases to sums
 * (n, Σx, Σx²) per variation and metric; only those sums cross the border, and the two are added.
 */
export class ExperimentResults {
  constructor(private readonly deps: ResultsDeps) {}

  /** This jurisdiction's sums for a phase, from one paginated index query (customer by customer). */
  async localStats(def: Experiment, phase?: number): Promise<JurisdictionStats> {
    const p = phaseOf(def, phase);
    const acc = new PhaseAccumulator(p.variations.length, def.metrics, def.currency);
    let current: { customerId: string; unit?: { variationId: number; exposedAt: string; crossed?: number[] }; lines: AttributedLine[] } | undefined;
    const flush = () => {
      if (current?.unit) acc.add(current.unit, current.lines);
    };
    for await (const page of this.deps.exposures.phaseItems(def.key, p.phase)) {
      for (const item of page) {
        // The index is sorted by customer: a customer's items are adjacent.
        if (current?.customerId !== item.customerId) {
          flush();
          current = { customerId: item.customerId, lines: [] };
        }
        if (item.kind === 'exposure') current.unit = item;
        else current.lines.push(item);
      }
    }
    flush();
    const sums = acc.result();
    return { experimentKey: def.key, phase: p.phase, jurisdiction: this.deps.jurisdiction, ...sums };
  }

  async results(def: Experiment, options: { engine: EngineName; phase?: number }, peer: PeerStats): Promise<Results> {
    const p = phaseOf(def, options.phase);
    const other = otherJurisdiction(this.deps.jurisdiction);
    const [local, remote] = await Promise.all([this.localStats(def, p.phase), this.remoteStats(peer, other, def.key, p.phase)]);
    if (remote.variations.length !== local.variations.length) throw new DependencyUnavailable('experiments.peerStatsUnavailable', `The ${other} statistics are for another definition; retry`);
    const sums: PhaseSums = combinePhaseSums(local, remote);
    const analysis = analyse({ sums, weights: p.weights, metrics: def.metrics, engine: options.engine });
    const conversion = def.metrics.find((m) => m.type === 'conversion');
    const revenue = def.metrics.find((m) => m.type === 'revenue');
    return {
      experimentKey: def.key,
      phase: p.phase,
      engine: options.engine,
      primaryMetric: def.primaryMetric,
      ...(def.currency ? { currency: def.currency } : {}),
      jurisdictions: [local.jurisdiction, remote.jurisdiction].sort() as Jurisdiction[],
      variations: analysis.variations.map((v, i) => {
        const c = conversion ? v.metrics[conversion.key] : undefined;
        const r = revenue ? v.metrics[revenue.key] : undefined;
        const meta = p.variations[i]!;
        return {
          variationId: i,
          key: meta.key,
          ...(meta.name ? { name: meta.name } : {}),
          units: v.units,
          ...(c ? { conversions: Math.round(c.total), conversionRate: c.mean } : {}),
          ...(r ? { revenuePerUnit: { mean: r.mean, sd: r.sd } } : {}),
          metrics: v.metrics,
        };
      }),
      srm: analysis.srm,
      multipleExposures: sums.multipleExposures,
      otherCurrencyLines: sums.otherCurrencyLines,
    };
  }

  private async remoteStats(peer: PeerStats, jurisdiction: Jurisdiction, key: string, phase: number): Promise<JurisdictionStats> {
    const res = await peer(jurisdiction, key, phase);
    if (res.status !== 200) {
      // The definition replicates to every region within seconds; a 404 there is that lag, a 503 an outage.
      throw new DependencyUnavailable('experiments.peerStatsUnavailable', `The ${jurisdiction} statistics are unavailable (${res.status}); retry`, 5);
    }
    const parsed = JurisdictionStatsSchema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success || parsed.data.jurisdiction !== jurisdiction) throw new DependencyUnavailable('experiments.peerStatsUnavailable', `The ${jurisdiction} statistics did not parse`);
    return parsed.data;
  }
}
