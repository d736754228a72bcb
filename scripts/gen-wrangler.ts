import { writeFileSync } from 'node:fs';
import { regions } from '../regions/index.ts';
import { renderWranglerToml } from '../src/regions/wrangler-config.ts';

writeFileSync(new URL('../wrangler.toml', import.meta.url), renderWranglerToml(regions));
console.log('wrote wrangler.toml for', regions.map((r) => r.id).join(', '));
