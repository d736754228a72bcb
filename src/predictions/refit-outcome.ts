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

/** Told what the daily refit predicted for everyone (production accuracy snapshots it). */
export type RefitListener = (outcome: { asOfDay: number; modelVersion: string; customers: { customerId: string; purchaseDays: number[]; prediction: CustomerPrediction }[] }) => Promise<unknown>;
