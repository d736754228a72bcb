import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DocsAsset } from '../http/docs.ts';

/** The standalone build of the API reference in its package (the package exports only its modules). */
export const scalarStandalonePath = () => join(dirname(createRequire(import.meta.url).resolve('@scalar/api-reference')), 'browser', 'standalone.js');

/** The API reference's script from the installed package, read once (Node entry and local stack). */
export function packagedDocsAsset(): DocsAsset {
  let body: Promise<Buffer> | undefined;
  return async () => {
    body ??= readFile(scalarStandalonePath());
    return new Response(new Uint8Array(await body), { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' } });
  };
}
