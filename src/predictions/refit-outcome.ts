import type { CustomerPrediction } from './model/customer.ts';
import type { PopulationModel } from './model/population.ts';

/** What a refit reports. */
export interface RefitReport {
  jurisdiction: string;
  customers: number;
  purchaseLines: number;
  fittedAt: string;
  bgnbd: PopulationModel['bgnbd'];
  productPriors: number;
  durationMs: number;
}

/** Told what the daily refit predicted for everyone (production accuracy snapshots it). */
export type RefitListener = (outcome: { asOfDay: number; modelVersion: string; customers: { customerId: string; purchaseDays: number[]; prediction: CustomerPrediction }[] }) => Promise<unknown>;
