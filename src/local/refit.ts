/** What the daily work did in one jurisdiction: the refit, the segment run or why there is none yet (then the recommendations). */
export interface DailyOutcome {
  jurisdiction: 'EU' | 'ROW';
  customers: number;
  segments: { k: number } | { none: string };
}

/**
 * What the daily Cron Triggers do, for both jurisdictions of a running stack: refit the population models
 * (and every customer's predictions), then run the segmentation, then rebuild the recommendations. A shop too small to segment is a normal
 * case: the run is refused with its reason (422), which is reported, not thrown.
 */
export async function refitAndSegment(url: string, adminKey: string, log: (line: string) => void = () => {}): Promise<DailyOutcome[]> {
  const headers = { authorization: `Bearer ${adminKey}` };
  const outcomes: DailyOutcome[] = [];
  for (const jurisdiction of ['EU', 'ROW'] as const) {
    log(`refitting the ${jurisdiction} population model and recomputing its predictions…`);
    const refit = await fetch(`${url}/v1/ops/refit?jurisdiction=${jurisdiction}`, { method: 'POST', headers });
    if (!refit.ok) throw new Error(`refit of ${jurisdiction} failed: ${refit.status} ${await refit.text()}`);
    const { customers } = (await refit.json()) as { customers: number };
    log(`segmenting the ${jurisdiction} customers…`);
    const run = await fetch(`${url}/v1/segment-runs?jurisdiction=${jurisdiction}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    const body = (await run.json()) as { k?: number; code?: string; title?: string };
    if (run.status === 422) {
      log(`no ${jurisdiction} segments yet: ${body.title ?? body.code} (${customers} customers)`);
      outcomes.push({ jurisdiction, customers, segments: { none: body.title ?? String(body.code) } });
    } else if (run.ok) {
      outcomes.push({ jurisdiction, customers, segments: { k: body.k ?? 0 } });
    } else {
      throw new Error(`segment run of ${jurisdiction} failed: ${run.status} ${JSON.stringify(body)}`);
    }
    log(`rebuilding the ${jurisdiction} recommendations (aggregates, weights, every customer's list)…`);
    const recs = await fetch(`${url}/v1/ops/recommendations/rebuild?jurisdiction=${jurisdiction}`, { method: 'POST', headers });
    if (!recs.ok) throw new Error(`recommendations rebuild of ${jurisdiction} failed: ${recs.status} ${await recs.text()}`);
  }
  return outcomes;
}
