/** @jsxImportSource hono/jsx */
import type { DashboardFigures } from '../dashboard.service.ts';
import type { ChartConfig } from '../charts.ts';
import { scriptJson } from '../charts.ts';
import { Layout } from './layout.tsx';
import { accuracyBody, Body, cacheBody, Card, costsBody, experimentsBody, liveBody, segmentsBody } from './sections.tsx';

const JURISDICTIONS = [
  ['EU', 'EU (eu-central-1, eu-west-1)'],
  ['ROW', 'Rest of world (us-east-1, ap-southeast-2)'],
] as const;

/** The operator page of one jurisdiction: every section rendered here, the charts drawn by Chart.js from the embedded configurations. */
export function DashboardPage(props: { figures: DashboardFigures; charts: Record<string, ChartConfig>; keyId: string; expiresAt: string }) {
  const f = props.figures;
  return (
    <Layout title={`Cadence operations · ${f.jurisdiction}`} scripts>
      <header class="top">
        <h1>Cadence operations</h1>
        <nav aria-label="Jurisdiction">
          {JURISDICTIONS.map(([j, label]) => (
            <a href={`/dashboard?jurisdiction=${j}`} class={j === f.jurisdiction ? 'current' : ''} aria-current={j === f.jurisdiction ? 'page' : undefined} title={label}>{j}</a>
          ))}
        </nav>
        <p class="who">
          Jurisdiction <strong id="jurisdiction">{f.jurisdiction}</strong>, served by {f.servedBy}, as of {f.asOf.slice(0, 19).replace('T', ' ')} UTC · key {props.keyId}, session until {props.expiresAt.slice(11, 16)} UTC
        </p>
        <form method="post" action="/dashboard/logout" class="logout">
          <button type="submit">Log out</button>
        </form>
      </header>
      <main class="grid">
        <Card id="segments" title="Segments: size and revenue share" note="The jurisdiction's current segment run (GET /v1/segments).">
          <Body section={f.segments} render={segmentsBody} />
        </Card>
        <Card id="spend" title="AI spend per day against the budget" note="The cost ledger's daily totals of every region (GET /v1/ops/costs) and the global daily budget.">
          <Body section={f.costs} render={costsBody} />
        </Card>
        <Card id="cache" title="Cache hit rate" note={f.cache.ok ? `Isolate caches, ${f.cache.data.scope} (GET /metrics).` : 'Isolate caches (GET /metrics).'}>
          <Body section={f.cache} render={cacheBody} />
        </Card>
        <Card id="accuracy" title="Prediction accuracy" note="Stored offline backtest summary (npm run accuracy), plus this jurisdiction's last refit: the inner time-split check of the stacked odds; below, accuracy measured in production by week (GET /v1/ops/accuracy).">
          <Body section={f.accuracy} render={accuracyBody(f.jurisdiction)} />
        </Card>
        <Card id="live" title="Live stream" note="The stream consumer's per-minute figures (GET /v1/ops/live).">
          <Body section={f.live} render={liveBody} />
        </Card>
        <Card id="experiments" title="Experiments" note="Running and stopped experiments, Bayesian results from both jurisdictions' sums (GET /v1/experiments/{key}/results).">
          <Body section={f.experiments} render={experimentsBody} />
        </Card>
      </main>
      <script type="application/json" id="dashboard-data" dangerouslySetInnerHTML={{ __html: scriptJson({ charts: props.charts }) }}></script>
    </Layout>
  );
}
