import { notFound } from '../http/problem.ts';
import type { Page, ProductRepository } from './products.repository.ts';
import type { Product, PutProductInput } from './products.schemas.ts';

export interface ProductServiceDeps {
  catalog: ProductRepository;
  now: () => number;
}

/** The catalog: what a product is (category, price, pack, consumable), shared by every region. */
export class ProductService {
  constructor(private readonly deps: ProductServiceDeps) {}

  /** Creates or replaces a product; `created` tells which. */
  async put(id: string, input: PutProductInput): Promise<{ product: Product; created: boolean }> {
    const product: Product = { ...input, id, updatedAt: new Date(this.deps.now()).toISOString() };
    const { replaced } = await this.deps.catalog.put(product);
    return { product, created: !replaced };
  }

  async get(id: string): Promise<Product> {
    const product = await this.deps.catalog.get(id);
    if (!product) throw notFound('product');
    return product;
  }

  list(options: { category?: string; limit: number; after?: Record<string, unknown> }): Promise<Page<Product>> {
    return this.deps.catalog.list(options);
  }
}
