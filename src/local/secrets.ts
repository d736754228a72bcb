import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey } from '../auth/api-keys.ts';

export interface LocalSecrets {
  adminKey: string;
  jwtSecret: string;
  privacyKey: string;
}

/** The local stack's generated secrets, if it has run with this data folder before. */
export function readLocalSecrets(dataDir: string): Partial<LocalSecrets> {
  const file = join(dataDir, 'local-secrets.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>) : {};
}

/** Keys made up on first start and kept in the data folder, so curl commands keep working across restarts. */
export function localSecrets(dataDir: string | undefined, given: Partial<LocalSecrets>): LocalSecrets {
  const file = dataDir ? join(dataDir, 'local-secrets.json') : undefined;
  const stored = dataDir ? readLocalSecrets(dataDir) : {};
  const generated = { adminKey: stored.adminKey ?? generateApiKey(), jwtSecret: stored.jwtSecret ?? generateApiKey().slice(4), privacyKey: stored.privacyKey ?? generateApiKey().slice(4) };
  if (file) writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600 });
  return { ...generated, ...given };
}
