/**
 * Currencies in current use, from the runtime's ICU data (ISO 4217). Both Node and workerd ship it, so no
 * list is kept by hand; a runtime without `Intl.supportedValuesOf` falls back to the most common ones.
 */
const FALLBACK = ['EUR', 'USD', 'GBP', 'AUD', 'CAD', 'CHF', 'JPY', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'NZD'];

function load(): ReadonlySet<string> {
  try {
    const list = Intl.supportedValuesOf('currency');
    if (list.length > 100) return new Set(list);
  } catch {
    // fall through
  }
  return new Set(FALLBACK);
}

export const currencyCodes: ReadonlySet<string> = load();
