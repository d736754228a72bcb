import { netOfAdjustments } from '../purchases/purchases.adjustments.ts';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import { eventsOf, type CatalogFacts } from './history-source.ts';
import { buildHistory } from './model/history.ts';
import { defaultPopulationModel, fitPopulation, type PopulationModel } from './model/population.ts';

/**
 * Customers a refit fits on at most (decision 129): a larger jurisdiction is fitted on a deterministic
 * sample of this many (the smallest hashed ids), which pins BG/NBD's parameters and the cadence priors
 * far inside what the per-customer predictions can tell apart (docs/predictions.md, "Refit at scale"),
 * keeps the fit of a 1,000,000-customer jurisdiction under a minute on one core and its memory under
 * 1 GiB. Every customer is still predicted, page by page, with the model fitted on the sample.
 */
export const REFIT_SAMPLE = 100_000;

/**
 * The population model from customers' stored lines; test accounts are predicted but teach nothing.
 * The map is consumed: each customer's lines are let go once their history is built, so the lines and
 * the histories of a large sample are not held side by side.
 */
export function fitFromLines(byCustomer: Map<string, readonly PurchaseLine[]>, catalog: CatalogFacts, tests: ReadonlySet<string>, asOfDay: number): PopulationModel {
  const histories = [];
  const everyoneTest = tests.size === byCustomer.size;
  for (const [id, lines] of byCustomer) {
    byCustomer.delete(id);
    if (tests.has(id) && !everyoneTest) continue;
    histories.push(buildHistory(eventsOf(netOfAdjustments(lines), catalog)));
  }
  return histories.length > 0 ? fitPopulation(histories, asOfDay) : defaultPopulationModel(asOfDay);
}
