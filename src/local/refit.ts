/**
 * What the daily Cron Triggers do, for both jurisdictions of a running stack: refit the population models
 * (and every customer's predictions), then run the segmentation.
 */
export async function refitAndSegment(url: string, adminKey: string, log: (line: string) => void = () => {}): Promise<void> {
  const headers = { authorization: `Bearer ${adminKey}` };
  for (const jurisdiction of ['EU', 'ROW']) {
    log(`refitting the ${jurisdiction} population model and recomputing its predictions…`);
    const refit = await fetch(`${url}/v1/ops/refit?jurisdiction=${jurisdiction}`, { method: 'POST', headers });
    if (!refit.ok) throw new Error(`refit of ${jurisdiction} failed: ${refit.status} ${await refit.text()}`);
    log(`segmenting the ${jurisdiction} customers…`);
    const run = await fetch(`${url}/v1/segment-runs?jurisdiction=${jurisdiction}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    if (!run.ok) throw new Error(`segment run of ${jurisdiction} failed: ${run.status} ${await run.text()}`);
  }
}
