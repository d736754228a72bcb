import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The shape the renovation set (docs/architecture.md), held by a test so that it stays: small files and
 * functions, imports that run one way, nothing in production that reaches into the local stack.
 */
const root = new URL('../../', import.meta.url).pathname;
const srcFiles = (dir = join(root, 'src')): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? srcFiles(path) : /\.tsx?$/.test(path) ? [path] : [];
  });
const rel = (p: string) => relative(root, p);
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
const resolved = (file: string, spec: string) => (spec.startsWith('.') ? rel(join(file, '..', spec)) : spec);

const MAX_FILE_LINES = 250;
const MAX_FUNCTION_LINES = 150;

describe('the source tree', () => {
  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = srcFiles()
      .map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`has no function, method or closure over ${MAX_FUNCTION_LINES} lines`, () => {
    const long: string[] = [];
    for (const file of srcFiles()) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
          const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (end - start + 1 > MAX_FUNCTION_LINES) long.push(`${rel(file)}:${start + 1} (${end - start + 1} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });

  it('has no feature importing the app (features receive narrow deps of their own)', () => {
    const offenders = srcFiles()
      .filter((f) => !['src/app.ts', 'src/deps.ts', 'src/deployment.ts', 'src/worker.ts', 'src/node.ts'].includes(rel(f)) && !rel(f).startsWith('src/hosting/') && !rel(f).startsWith('src/local/'))
      .filter((f) => importsOf(f).some((s) => resolved(f, s) === 'src/app.ts'));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('never imports the local stack from production code', () => {
    const offenders = srcFiles()
      .filter((f) => !rel(f).startsWith('src/local/') && !rel(f).startsWith('src/cli/'))
      .filter((f) => importsOf(f).some((s) => resolved(f, s).startsWith('src/local/')));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('keeps the AWS SDK in adapters: no service, model or route imports it', () => {
    const offenders = srcFiles()
      .filter((f) => /\.(service|routes|model|schemas)\.ts$/.test(f) || f.includes('/model/'))
      .filter((f) => importsOf(f).some((s) => s.startsWith('@aws-sdk/')));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('keeps residency in one place: only src/residency forwards requests', () => {
    const offenders = srcFiles()
      .filter((f) => !rel(f).startsWith('src/residency/'))
      .filter((f) => /forwardToJurisdiction\(/.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });
});
