import type { CustomerRepository } from '../customers/customers.repository.ts';
import { netOfAdjustments } from '../purchases/purchases.adjustments.ts';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import { eventsOf, type CatalogFacts, type HistorySource } from './history-source.ts';
import { buildHistory } from './model/history.ts';
import { defaultPopulationModel, fitPopulation, type PopulationModel } from './model/population.ts';
import type { RefitReport } from './refit-outcome.ts';
import { testAccountsAmong, type TestAccountRule } from './test-accounts.ts';

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

/**
 * The heavy step of the refit job (decision 118): the jurisdiction's population model, fitted on every
 * customer's history, or on a sample of a large jurisdiction (decision 129: only the sample's lines are
 * held). The job's pages then recompute every customer with it.
 */
export async function fitJurisdiction(d: { source: HistorySource; customers: Pick<CustomerRepository, 'get'>; testAccounts?: TestAccountRule; jurisdiction: string; asOfDay: number; now: () => number }) {
  const { byCustomer, catalog, population, sampled, lines } = await d.source.sample(REFIT_SAMPLE);
  const tests = d.testAccounts ? await testAccountsAmong(d.testAccounts, [...byCustomer.keys()], (id) => d.customers.get(id)) : new Set<string>();
  const fittedAt = new Date(d.now()).toISOString();
  const fittedOn = byCustomer.size;
  const fit = fitFromLines(byCustomer, catalog, tests, d.asOfDay);
  const model: PopulationModel = sampled ? { ...fit, customers: population, sampled: fittedOn } : fit;
  const report: Omit<RefitReport, 'durationMs'> = {
    jurisdiction: d.jurisdiction,
    customers: population,
    purchaseLines: lines,
    ...(sampled ? { sampledCustomers: fittedOn } : {}),
    fittedAt,
    bgnbd: model.bgnbd,
    productPriors: Object.keys(model.productPriors).length,
  };
  return { model, fittedAt, report };
}
