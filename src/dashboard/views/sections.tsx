/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { DashboardFigures, Section } from '../dashboard.service.ts';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const usd = (x: number) => `$${x.toFixed(2)}`;
const int = (x: number) => Math.round(x).toLocaleString('en');

export function Card(props: { id: string; title: string; note?: string; children: Child }) {
  return (
    <section class="card" id={props.id} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.note ? <p class="note">{props.note}</p> : null}
      {props.children}
    </section>
  );
}

export function Chart(props: { name: string; label: string }) {
  return (
    <div class="chart">
      <canvas data-chart={props.name} role="img" aria-label={props.label}></canvas>
    </div>
  );
}

function Tiles(props: { items: [string, string][] }) {
  return (
    <dl class="tiles">
      {props.items.map(([k, v]) => (
        <div>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A section's figures, or the reason it has none. */
export function Body<T>(props: { section: Section<T>; render: (data: T) => Child }) {
  return props.section.ok ? <>{props.render(props.section.data)}</> : <p class="unavailable">Not available: {props.section.reason}</p>;
}

type F = DashboardFigures;
type Ok<S> = S extends { ok: true; data: infer D } ? D : never;

export const segmentsBody = (s: Ok<F['segments']>) => (
  <>
    <Tiles items={[['segments', String(s.segments.length)], ['customers', int(s.segments.reduce((a, x) => a + x.size, 0))], ['run', s.runId], ['made', s.createdAt.slice(0, 16).replace('T', ' ')]]} />
    <Chart name="segments" label="Segment sizes and revenue shares" />
  </>
);

export const costsBody = (c: Ok<F['costs']>) => (
  <>
    <Tiles
      items={[
        ['spent today (all regions)', `${usd(c.global.spentTodayUsd)} of ${usd(c.global.dailyUsd)}`],
        ['this month', `${usd(c.global.spentThisMonthUsd)} of ${usd(c.global.monthlyUsd)}`],
        ['per analysed customer', c.total.costPerAnalysedCustomer === null ? '–' : usd(c.total.costPerAnalysedCustomer)],
        ['model', c.ai.configured ? (c.ai.modelId ?? 'configured') : 'none (statistical analyses)'],
      ]}
    />
    <Chart name="spend" label="AI spend per day against the daily budget" />
    <table>
      <thead><tr><th>region</th><th>spent today</th><th>daily budget</th><th>this month</th><th>monthly budget</th></tr></thead>
      <tbody>
        {c.regions.map((r) => (
          <tr><td>{r.region}</td><td>{usd(r.spentTodayUsd)}</td><td>{usd(r.dailyUsd)}</td><td>{usd(r.spentThisMonthUsd)}</td><td>{usd(r.monthlyUsd)}</td></tr>
        ))}
      </tbody>
    </table>
  </>
);

export const cacheBody = (c: Ok<F['cache']>) =>
  c.caches.length === 0 ? (
    <p class="unavailable">No cache reads recorded yet in {c.scope}.</p>
  ) : (
    <>
      <Chart name="cache" label="Cache hit rate per cache" />
      <table>
        <thead><tr><th>cache</th><th>hits</th><th>misses</th><th>stale serves</th><th>hit rate</th></tr></thead>
        <tbody>{c.caches.map((r) => <tr><td>{r.cache}</td><td>{int(r.hits)}</td><td>{int(r.misses)}</td><td>{int(r.stale)}</td><td>{pct(r.hitRate)}</td></tr>)}</tbody>
      </table>
    </>
  );

export const accuracyBody = (jurisdiction: string) => (a: Ok<F['accuracy']>) => (
  <>
    <Tiles
      items={[
        [`${jurisdiction} model fitted`, a.population?.fittedAt ? a.population.fittedAt.slice(0, 16).replace('T', ' ') : 'not yet (defaults serve)'],
        ['customers in the fit', a.population ? int(a.population.customers - a.population.excluded) : '–'],
        ['stacked odds serving', a.population ? (a.population.innerSplit.length > 0 ? a.population.innerSplit.map((o) => `${o.horizonDays} d`).join(', ') : 'none: BG/NBD serves') : '–'],
        ['backtest measured', a.backtest.measuredOn],
      ]}
    />
    <Chart name="accuracy" label="Prediction accuracy: AUC of Cadence against BG/NBD" />
    <table>
      <thead><tr><th>data set (backtest)</th><th>next-date MAE, days</th><th>baseline MAE</th><th>80% range coverage</th></tr></thead>
      <tbody>{a.backtest.rows.map((r) => <tr><td>{r.dataSet}</td><td>{r.cadenceMaeDays}</td><td>{`${r.baselineMaeDays} (${r.baseline})`}</td><td>{pct(r.coverage80)}</td></tr>)}</tbody>
    </table>
    {a.production.length === 0 ? (
      <p class="note">Accuracy in production: no scored snapshot yet (the daily refit takes one; it is scored as the following days pass).</p>
    ) : (
      <table>
        <thead><tr><th>week (in production)</th><th>model</th><th>customers</th><th>next-date MAE, days</th><th>80% range coverage</th><th>AUC, buys in 30 days</th><th>Brier</th></tr></thead>
        <tbody>{a.production.map((w) => <tr><td>{`${w.week}${w.settled ? '' : ' (open)'}`}</td><td>{w.modelVersion}</td><td>{int(w.customers)}</td><td>{w.nextDate.maeDays === undefined ? '–' : w.nextDate.maeDays.toFixed(1)}</td><td>{pct(w.nextDate.coverage80 ?? null)}</td><td>{w.buysWithin30.auc === undefined ? '–' : w.buysWithin30.auc.toFixed(3)}</td><td>{w.buysWithin30.brier === undefined ? '–' : w.buysWithin30.brier.toFixed(3)}</td></tr>)}</tbody>
      </table>
    )}
  </>
);

export const liveBody = (l: Ok<F['live']>) => (
  <>
    <Tiles
      items={[
        ['orders, last hour', int(l.ordersLastHour)],
        ['revenue, last hour', Object.entries(l.revenueLastHour).map(([cur, v]) => `${cur} ${v.toFixed(2)}`).join(' · ') || '–'],
        ['active customers (≈)', int(l.activeCustomersLastHour)],
        ['new customers', int(l.customersCreatedLastHour)],
      ]}
    />
    <Chart name="live" label="Orders and lines per minute over the last hour" />
    <p class="note">
      Stream {l.stream}; trending since {l.window.trendingFrom.slice(11, 16)}: {l.trendingProducts.slice(0, 5).map((p) => `${p.productId} (${p.quantity})`).join(', ') || 'nothing yet'}.
      Consumer: {l.consumer.map((s) => `${s.shardId} at ${s.updatedAt.slice(11, 19)}`).join(', ') || 'no checkpoint yet'}.
    </p>
  </>
);

export const experimentsBody = (x: Ok<F['experiments']>) =>
  x.items.length === 0 ? (
    <p class="unavailable">No running or stopped experiment ({x.drafts} drafts).</p>
  ) : (
    <div class="experiments">
      {x.items.map((e, i) => (
        <article class="experiment">
          <h3>{e.name} <span class={`status ${e.status}`}>{e.status}</span></h3>
          <p class="note">{`${e.key} · phase ${e.phase} · primary metric ${e.primaryMetric}`}</p>
          <Body
            section={e.results}
            render={(r) => (
              <>
                <Chart name={`experiment-${i}`} label={`Results of ${e.name} by variation`} />
                <table>
                  <thead><tr><th>variation</th><th>units</th><th>conversions</th><th>chance to win</th></tr></thead>
                  <tbody>
                    {r.variations.map((v) => (
                      <tr><td>{v.name ?? v.key}</td><td>{int(v.units)}</td><td>{v.conversions === undefined ? '–' : int(v.conversions)}</td><td>{pct(v.metrics[r.primaryMetric]?.relativeLift?.chanceToWin)}</td></tr>
                    ))}
                  </tbody>
                </table>
                <p class="note">{`Both jurisdictions (${r.jurisdictions.join(', ')}); sample ratio check p = ${r.srm.pValue.toFixed(3)}${r.srm.flagged ? ' — FLAGGED' : ''}`}</p>
              </>
            )}
          />
        </article>
      ))}
    </div>
  );
