import type { ConsentEffects } from '../customers/customers.service.ts';
import { Problem } from '../http/problem.ts';

/**
 * An objection to profiling (GDPR Art. 21; withdrawing the profiling consent) reaches every feature that
 * derives something from a customer's purchases: each deletes what it derived and stops deriving; giving
 * consent again lets each recompute. The purchase history itself stays.
 */
export function consentFanOut(effects: readonly ConsentEffects[]): ConsentEffects {
  return {
    async profilingWithdrawn(customerId) {
      for (const e of effects) await e.profilingWithdrawn(customerId);
    },
    async profilingGranted(customerId) {
      for (const e of effects) await e.profilingGranted(customerId);
    },
  };
}

/** The answer of a derived read (predictions, segment, analysis) for a customer who objected. */
export const profilingObjected = () =>
  new Problem(451, 'privacy.profilingObjected', 'The customer objected to profiling: nothing is derived from their purchases for them (their history is kept)');
