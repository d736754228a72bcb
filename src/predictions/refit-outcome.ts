import type { CustomerPrediction } from './model/customer.ts';
import type { PopulationModel } from './model/population.ts';

/** What a refit reports. */
export interface RefitReport {
  jurisdiction: string;
  /** Customers of the jurisdiction, and their lines (as the scan saw them). */
  customers: number;
  purchaseLines: number;
  /** When the fit was on a sample (decision 129): the customers in it. */
  sampledCustomers?: number;
  fittedAt: string;
  bgnbd: PopulationModel['bgnbd'];
  productPriors: number;
  durationMs: number;
}

/**
 * What the daily refit predicted, told page by page (each page's own customers, as its recompute computed
 * them) and then once more when every page is done (production accuracy snapshots the pages and scores at
 * the end; no step holds every customer's history and prediction).
 */
export type RefitOutcome =
  | { kind: 'page'; asOfDay: number; modelVersion: string; page: number; pages: number; customers: { customerId: string; purchaseDays: number[]; prediction: CustomerPrediction }[] }
  | { kind: 'finished'; asOfDay: number; modelVersion: string; pages: number };

export type RefitListener = (outcome: RefitOutcome) => Promise<unknown>;
