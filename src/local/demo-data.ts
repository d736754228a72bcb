import type { Customer } from '../customers/customers.schemas.ts';
import type { Product } from '../products/products.schemas.ts';
import type { PurchaseLine } from '../purchases/purchases.model.ts';
import type { Jurisdiction } from '../regions/region.schema.ts';

export { prng } from '../shared/random.ts';
import { prng } from '../shared/random.ts';

type DemoProduct = Product & { typicalDays: number };

const P = (id: string, name: string, category: string, price: number, packSize: number, packUnit: Product['packUnit'], typicalDays: number): DemoProduct => ({
  id, name, category, price, currency: 'EUR', packSize, packUnit, consumable: typicalDays > 0, typicalDays, updatedAt: '2026-01-01T00:00:00.000Z',
});

/** A household-goods shop: replenished products with the cadences such goods have, and a few durables. */
export const DEMO_CATALOG: readonly DemoProduct[] = [
  P('coffee-beans-1kg', 'Coffee beans, medium roast', 'coffee', 18.9, 1, 'kg', 24),
  P('coffee-ground-500g', 'Ground coffee', 'coffee', 8.5, 500, 'g', 14),
  P('espresso-capsules-50', 'Espresso capsules', 'coffee', 14, 50, 'item', 12),
  P('green-tea-100', 'Green tea bags', 'tea', 6.5, 100, 'item', 35),
  P('oat-milk-6x1l', 'Oat milk', 'dairy-alternatives', 11.4, 6, 'l', 9),
  P('nappies-size3-60', 'Nappies, size 3', 'baby', 19.99, 60, 'item', 12),
  P('baby-wipes-12x64', 'Baby wipes', 'baby', 15.5, 768, 'item', 28),
  P('infant-formula-800g', 'Infant formula', 'baby', 16.9, 800, 'g', 8),
  P('dog-food-12kg', 'Dry dog food', 'pet', 49, 12, 'kg', 32),
  P('cat-food-wet-24', 'Wet cat food', 'pet', 18.5, 24, 'item', 12),
  P('cat-litter-10l', 'Cat litter', 'pet', 12, 10, 'l', 21),
  P('laundry-detergent-2l', 'Laundry detergent', 'household', 13.9, 2, 'l', 40),
  P('dishwasher-tabs-60', 'Dishwasher tablets', 'household', 11.5, 60, 'item', 45),
  P('toilet-paper-24', 'Toilet paper', 'household', 12.9, 24, 'item', 25),
  P('kitchen-roll-8', 'Kitchen roll', 'household', 7.9, 8, 'item', 30),
  P('toothpaste-75ml', 'Toothpaste', 'personal-care', 3.2, 75, 'ml', 40),
  P('shampoo-400ml', 'Shampoo', 'personal-care', 5.9, 400, 'ml', 50),
  P('razor-blades-8', 'Razor blades', 'personal-care', 21, 8, 'item', 42),
  P('contact-lenses-30', 'Daily contact lenses', 'health', 24.9, 30, 'item', 30),
  P('vitamin-d-90', 'Vitamin D3', 'health', 9.9, 90, 'dose', 88),
  P('water-filter-3', 'Water filter cartridges', 'kitchen', 17.5, 3, 'item', 80),
  P('french-press', 'French press', 'kitchen', 29, 1, 'item', 0),
  P('dog-lead', 'Dog lead', 'pet', 15, 1, 'item', 0),
  P('bath-towels-2', 'Bath towels', 'home', 24, 2, 'item', 0),
];

const FIRST = ['Anna', 'Lukas', 'Marie', 'Jonas', 'Sofia', 'Noah', 'Emma', 'Liam', 'Mia', 'Elias', 'Olivia', 'James', 'Chloe', 'Mateo', 'Zoe', 'Ava'];
const LAST = ['Müller', 'Schmidt', 'Dubois', 'Rossi', 'García', 'Jansen', 'Nowak', 'Smith', 'Brown', 'Taylor', 'Nguyen', 'Wilson', 'Kelly', 'Silva'];
const EU_COUNTRIES = ['DE', 'DE', 'FR', 'NL', 'IT', 'ES', 'PL', 'SE', 'IE', 'AT'];
const ROW_COUNTRIES = ['US', 'US', 'GB', 'AU', 'CA', 'NZ', 'CH'];
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const DAY = 86_400_000;

export interface DemoData {
  products: Product[];
  customers: Customer[];
  lines: PurchaseLine[];
}

/**
 * Customers who each replenish a few products at their own cadence (interval scaled by pack count, with
 * gamma noise of their own regularity), consolidate due items into one order, and sometimes lapse.
 */
export function generateDemoData(options: { customers: number; seed?: number; now: number }): DemoData {
  const rnd = prng(options.seed ?? 20261122);
  const consumables = DEMO_CATALOG.filter((p) => p.consumable);
  const durables = DEMO_CATALOG.filter((p) => !p.consumable);
  const customers: Customer[] = [];
  const lines: PurchaseLine[] = [];
  const end = options.now - DAY;

  for (let n = 0; n < options.customers; n++) {
    const jurisdiction: Jurisdiction = n % 2 === 0 ? 'EU' : 'ROW';
    let suffix = '';
    for (let i = 0; i < 20; i++) suffix += ALPHABET[rnd.int(0, 31)];
    const id = `cus_${jurisdiction.toLowerCase()}_${suffix}`;
    const first = rnd.pick(FIRST);
    const last = rnd.pick(LAST);
    const joined = end - rnd.int(60, 270) * DAY;
    const joinedIso = new Date(joined).toISOString();
    const householdSize = rnd.int(1, 5);
    customers.push({
      id,
      residency: jurisdiction,
      country: rnd.pick(jurisdiction === 'EU' ? EU_COUNTRIES : ROW_COUNTRIES),
      displayName: `${first} ${last}`,
      contact: { email: `${first}.${last}.${n}@example.com`.toLowerCase().normalize('NFD').replace(/[^\x20-\x7e]/g, '') },
      consents: {
        profiling: { granted: rnd.next() < 0.7, updatedAt: joinedIso },
        marketing: { granted: rnd.next() < 0.5, updatedAt: joinedIso },
      },
      attributes: rnd.next() < 0.4 ? { householdSize: { value: householdSize, source: 'self_declared' } } : {},
      createdAt: joinedIso,
      updatedAt: joinedIso,
    });

    // Lapsed customers stop buying at some point; others may drop a single product.
    const stopsAt = rnd.next() < 0.18 ? joined + (end - joined) * (0.3 + 0.5 * rnd.next()) : end;
    const basket = new Set<DemoProduct>();
    const size = rnd.int(2, 6);
    while (basket.size < size) basket.add(rnd.pick(consumables));
    const events: { day: number; product: DemoProduct; quantity: number }[] = [];
    for (const product of basket) {
      const personalDays = product.typicalDays * Math.exp(0.25 * rnd.normal()) * (product.category === 'baby' ? 1 : 2 / (1 + householdSize / 2));
      const cv = 0.08 + 0.35 * rnd.next();
      const productStops = rnd.next() < 0.1 ? joined + (stopsAt - joined) * rnd.next() : stopsAt;
      let t = joined + rnd.next() * personalDays * DAY;
      while (t < productStops) {
        const quantity = rnd.next() < 0.85 ? 1 : rnd.next() < 0.8 ? 2 : 3;
        events.push({ day: Math.floor(t / DAY), product, quantity });
        t += quantity * personalDays * rnd.gammaNoise(cv) * DAY;
      }
    }
    if (rnd.next() < 0.3) events.push({ day: Math.floor((joined + rnd.next() * (stopsAt - joined)) / DAY), product: rnd.pick(durables), quantity: 1 });

    // Items due within a few days of each other go into one order.
    events.sort((a, b) => a.day - b.day);
    let order = 0;
    let orderDay = -Infinity;
    let orderAt = '';
    const inOrder = new Set<string>();
    for (const e of events) {
      if (e.day - orderDay > 3 || inOrder.has(e.product.id)) {
        order++;
        orderDay = e.day;
        orderAt = new Date(e.day * DAY + rnd.int(7, 21) * 3_600_000 + rnd.int(0, 3599) * 1000).toISOString();
        inOrder.clear();
      }
      inOrder.add(e.product.id);
      lines.push({
        customerId: id,
        orderId: `ord-${n}-${order}`,
        lineId: e.product.id,
        productId: e.product.id,
        quantity: e.quantity,
        unitPrice: e.product.price,
        currency: e.product.currency,
        purchasedAt: orderAt,
      });
    }
  }
  const products = DEMO_CATALOG.map(({ typicalDays: _, ...p }) => p);
  return { products, customers, lines };
}
