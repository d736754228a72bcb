import { prng } from '../shared/random.ts';

/** A grocery product of the generated shop: how widely it appeals, and how long a pack lasts a household. */
export interface GroceryProduct {
  productId: string;
  name: string;
  category: string;
  price: number;
  packSize: number;
  packUnit: string;
  consumable: boolean;
  /** Share of households for whom it is a regular (staples high); also how often it is picked on a whim. */
  appeal: number;
  /** Days a pack lasts a household of two (0: a durable). */
  days: number;
}

const G = (productId: string, name: string, category: string, price: number, packSize: number, packUnit: string, appeal: number, days: number): GroceryProduct => ({
  productId, name, category, price, packSize, packUnit, consumable: days > 0, appeal, days,
});

/** A small supermarket: staples most households buy, a middle of common goods, a tail, a few durables. */
export const GROCERY_CATALOG: readonly GroceryProduct[] = [
  G('milk-1l', 'Whole milk 1 l', 'dairy', 1.2, 1, 'l', 0.75, 4), G('milk-semi-1l', 'Semi-skimmed milk 1 l', 'dairy', 1.1, 1, 'l', 0.35, 4),
  G('butter-250g', 'Butter 250 g', 'dairy', 2.4, 250, 'g', 0.55, 14), G('eggs-10', 'Free-range eggs, 10', 'dairy', 3.2, 10, 'item', 0.65, 9),
  G('yogurt-natural-500g', 'Natural yogurt 500 g', 'dairy', 1.6, 500, 'g', 0.4, 6), G('cheese-gouda-400g', 'Gouda cheese 400 g', 'dairy', 4.5, 400, 'g', 0.4, 14),
  G('cream-200ml', 'Cream 200 ml', 'dairy', 1.3, 200, 'ml', 0.15, 12), G('oat-drink-1l', 'Oat drink 1 l', 'dairy', 1.9, 1, 'l', 0.12, 5),
  G('bread-wholegrain', 'Wholegrain bread', 'bakery', 2.6, 750, 'g', 0.7, 4), G('bread-white', 'White sandwich bread', 'bakery', 1.8, 500, 'g', 0.35, 4),
  G('rolls-6', 'Bread rolls, 6', 'bakery', 2.1, 6, 'item', 0.3, 5), G('croissants-4', 'Croissants, 4', 'bakery', 2.9, 4, 'item', 0.12, 7),
  G('bananas-1kg', 'Bananas 1 kg', 'produce', 1.9, 1, 'kg', 0.7, 6), G('apples-1kg', 'Apples 1 kg', 'produce', 2.5, 1, 'kg', 0.55, 8),
  G('tomatoes-500g', 'Tomatoes 500 g', 'produce', 2.2, 500, 'g', 0.55, 6), G('potatoes-2kg', 'Potatoes 2 kg', 'produce', 2.8, 2, 'kg', 0.5, 14),
  G('onions-1kg', 'Onions 1 kg', 'produce', 1.5, 1, 'kg', 0.5, 16), G('carrots-1kg', 'Carrots 1 kg', 'produce', 1.3, 1, 'kg', 0.45, 10),
  G('cucumber', 'Cucumber', 'produce', 0.9, 1, 'item', 0.4, 5), G('lettuce', 'Iceberg lettuce', 'produce', 1.2, 1, 'item', 0.3, 6),
  G('peppers-3', 'Bell peppers, 3', 'produce', 2.5, 3, 'item', 0.3, 7), G('lemons-4', 'Lemons, 4', 'produce', 1.8, 4, 'item', 0.2, 14),
  G('avocado-2', 'Avocados, 2', 'produce', 2.9, 2, 'item', 0.15, 6), G('berries-250g', 'Blueberries 250 g', 'produce', 3.5, 250, 'g', 0.15, 5),
  G('chicken-breast-500g', 'Chicken breast 500 g', 'meat', 6.5, 500, 'g', 0.45, 7), G('minced-beef-500g', 'Minced beef 500 g', 'meat', 5.5, 500, 'g', 0.35, 8),
  G('ham-slices-150g', 'Ham slices 150 g', 'meat', 2.3, 150, 'g', 0.35, 6), G('salmon-300g', 'Salmon fillets 300 g', 'meat', 7.9, 300, 'g', 0.15, 12),
  G('sausages-6', 'Pork sausages, 6', 'meat', 3.9, 6, 'item', 0.15, 12), G('tofu-400g', 'Tofu 400 g', 'meat', 2.4, 400, 'g', 0.06, 9),
  G('pasta-500g', 'Spaghetti 500 g', 'pantry', 1.1, 500, 'g', 0.6, 12), G('rice-1kg', 'Basmati rice 1 kg', 'pantry', 2.9, 1, 'kg', 0.4, 25),
  G('passata-500g', 'Tomato passata 500 g', 'pantry', 1.2, 500, 'g', 0.4, 12), G('olive-oil-750ml', 'Olive oil 750 ml', 'pantry', 7.5, 750, 'ml', 0.35, 40),
  G('flour-1kg', 'Wheat flour 1 kg', 'pantry', 1.0, 1, 'kg', 0.2, 40), G('sugar-1kg', 'Sugar 1 kg', 'pantry', 1.3, 1, 'kg', 0.2, 50),
  G('cereal-500g', 'Corn flakes 500 g', 'pantry', 2.8, 500, 'g', 0.3, 14), G('oats-1kg', 'Rolled oats 1 kg', 'pantry', 1.9, 1, 'kg', 0.2, 20),
  G('jam-450g', 'Strawberry jam 450 g', 'pantry', 2.6, 450, 'g', 0.2, 30), G('honey-500g', 'Honey 500 g', 'pantry', 5.5, 500, 'g', 0.1, 45),
  G('coffee-ground-500g', 'Ground coffee 500 g', 'drinks', 6.9, 500, 'g', 0.45, 16), G('tea-bags-80', 'Black tea, 80 bags', 'drinks', 3.2, 80, 'item', 0.25, 30),
  G('orange-juice-1l', 'Orange juice 1 l', 'drinks', 2.3, 1, 'l', 0.35, 5), G('water-6x1.5l', 'Still water 6 x 1.5 l', 'drinks', 2.9, 9, 'l', 0.35, 7),
  G('cola-1.5l', 'Cola 1.5 l', 'drinks', 1.9, 1.5, 'l', 0.2, 6), G('beer-6', 'Lager, 6 bottles', 'drinks', 5.9, 6, 'item', 0.2, 10),
  G('wine-red', 'Red wine 75 cl', 'drinks', 6.5, 750, 'ml', 0.15, 14), G('sparkling-water-1l', 'Sparkling water 1 l', 'drinks', 0.9, 1, 'l', 0.15, 4),
  G('crisps-150g', 'Salted crisps 150 g', 'snacks', 1.9, 150, 'g', 0.3, 8), G('chocolate-100g', 'Milk chocolate 100 g', 'snacks', 1.5, 100, 'g', 0.4, 7),
  G('biscuits-300g', 'Butter biscuits 300 g', 'snacks', 2.2, 300, 'g', 0.25, 10), G('nuts-200g', 'Mixed nuts 200 g', 'snacks', 3.9, 200, 'g', 0.12, 14),
  G('ice-cream-1l', 'Vanilla ice cream 1 l', 'frozen', 3.9, 1, 'l', 0.15, 12), G('frozen-peas-1kg', 'Frozen peas 1 kg', 'frozen', 2.2, 1, 'kg', 0.25, 20),
  G('frozen-pizza', 'Frozen pizza margherita', 'frozen', 3.5, 1, 'item', 0.2, 10), G('fish-fingers-15', 'Fish fingers, 15', 'frozen', 3.9, 15, 'item', 0.12, 14),
  G('toilet-paper-9', 'Toilet paper, 9 rolls', 'household', 4.5, 9, 'item', 0.5, 18), G('kitchen-roll-4', 'Kitchen roll, 4', 'household', 3.2, 4, 'item', 0.3, 21),
  G('dish-soap-500ml', 'Washing-up liquid 500 ml', 'household', 1.9, 500, 'ml', 0.3, 30), G('laundry-liquid-1.5l', 'Laundry liquid 1.5 l', 'household', 6.9, 1.5, 'l', 0.3, 35),
  G('bin-bags-20', 'Bin bags, 20', 'household', 2.9, 20, 'item', 0.2, 40), G('sponges-5', 'Sponges, 5', 'household', 1.5, 5, 'item', 0.1, 45),
  G('toothpaste-75ml', 'Toothpaste 75 ml', 'household', 2.2, 75, 'ml', 0.25, 35), G('shampoo-300ml', 'Shampoo 300 ml', 'household', 3.5, 300, 'ml', 0.15, 45),
  G('nappies-40', 'Nappies size 4, 40', 'baby', 11.9, 40, 'item', 0.8, 9), G('baby-wipes-64', 'Baby wipes, 64', 'baby', 2.5, 64, 'item', 0.7, 8),
  G('baby-porridge-250g', 'Baby porridge 250 g', 'baby', 3.2, 250, 'g', 0.4, 10), G('cat-food-12', 'Wet cat food, 12', 'pet', 6.5, 12, 'item', 0.6, 9),
  G('dog-food-3kg', 'Dry dog food 3 kg', 'pet', 12.9, 3, 'kg', 0.5, 25), G('cat-litter-10l', 'Cat litter 10 l', 'pet', 5.9, 10, 'l', 0.4, 20),
  G('lunch-box', 'Lunch box', 'kitchen', 7.9, 1, 'item', 0.03, 0), G('water-bottle', 'Steel water bottle', 'kitchen', 14.9, 1, 'item', 0.03, 0),
  G('bread-bin', 'Bread bin', 'kitchen', 24.9, 1, 'item', 0.01, 0), G('tote-bag', 'Reusable tote bag', 'kitchen', 1.5, 1, 'item', 0.05, 0),
];

export interface GroceryLine {
  customerId: string;
  day: string;
  productId: string;
  quantity: number;
  amount: number;
}

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const END = Date.UTC(2025, 11, 31);

/**
 * A year of a young online grocery shop with a small catalogue: households join through the year (more of
 * them late, as the shop grows), order every
 * week to every few weeks (many only once or twice), buy their regulars (mostly the staples) when they run
 * low, unless they bought them elsewhere, and add items on a whim, drawn by how widely they appeal. Popular
 * staples dominate what is bought, which is what makes best sellers hard to beat. Deterministic for a seed.
 */
export function generateGroceryShop(options: { customers: number; seed?: number }): GroceryLine[] {
  const rnd = prng(options.seed ?? 7);
  const lines: GroceryLine[] = [];
  const byId = new Map(GROCERY_CATALOG.map((p) => [p.productId, p]));
  const forHousehold = (p: GroceryProduct, baby: boolean, pet: boolean) => (p.category === 'baby' ? baby : p.category === 'pet' ? pet : true);
  for (let n = 0; n < options.customers; n++) {
    const customerId = `g${String(n + 1).padStart(5, '0')}`;
    const baby = rnd.next() < 0.15;
    const pet = rnd.next() < 0.3;
    const size = rnd.int(1, 5);
    const gap = 21 * Math.exp(0.6 * rnd.normal());
    const eligible = GROCERY_CATALOG.filter((p) => forHousehold(p, baby, pet));
    const regulars = eligible
      .filter((p) => p.consumable && rnd.next() < 0.7 * p.appeal)
      .map((p) => ({ p, every: (p.days * Math.exp(0.3 * rnd.normal()) * 2) / (1 + size / 2), last: -Infinity }));
    const whimWeight = eligible.reduce((s, p) => s + p.appeal ** 2, 0);
    // A young, growing shop: more households join late in the year than early.
    let t = START + Math.cbrt(rnd.next()) * (END - START);
    // A third try the shop a few times only; the others may stop at some point too.
    let orders = rnd.next() < 0.35 ? rnd.int(1, 3) : rnd.next() < 0.25 ? rnd.int(2, 20) : Number.POSITIVE_INFINITY;
    while (t < END && orders-- > 0) {
      const day = Math.floor(t / DAY);
      const basket = new Map<string, number>();
      for (const r of regulars) {
        // Bought when about to run out (a little early or late), unless it was bought elsewhere.
        if (day - r.last >= r.every * (0.75 + 0.5 * rnd.next()) && rnd.next() < 0.45) {
          basket.set(r.p.productId, rnd.next() < 0.85 ? 1 : 2);
          r.last = day;
        }
      }
      const whims = 1 + Math.floor(-Math.log(1 - rnd.next()) * 4);
      for (let w = 0; w < whims; w++) {
        let x = rnd.next() * whimWeight;
        const pick = eligible.find((p) => (x -= p.appeal ** 2) <= 0) ?? eligible[eligible.length - 1]!;
        basket.set(pick.productId, basket.get(pick.productId) ?? 1);
      }
      const iso = new Date(day * DAY).toISOString().slice(0, 10);
      for (const [productId, quantity] of basket) {
        lines.push({ customerId, day: iso, productId, quantity, amount: Math.round(quantity * byId.get(productId)!.price * 100) / 100 });
      }
      t += gap * rnd.gammaNoise(0.35) * DAY;
    }
  }
  return lines;
}
