import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JURISDICTION_TABLE_KINDS, PERSONAL_TABLE_KINDS } from '../../src/regions/region.schema.ts';

/** docs/privacy.md's records of processing stay true: every personal table has its row and its section. */
describe('the records of processing', () => {
  const doc = readFileSync(new URL('../../docs/privacy.md', import.meta.url), 'utf8');
  const records = doc.slice(doc.indexOf('## Records of processing'), doc.indexOf('Not personal'));
  const rows = new Map(records.split('\n').filter((l) => l.startsWith('| `')).map((l) => [l.split('|')[1]!.trim().replaceAll('`', ''), l] as const));

  it('lists every table the region schema marks personal, with its export section', () => {
    expect([...rows.keys()].sort()).toEqual([...PERSONAL_TABLE_KINDS].sort());
    for (const table of PERSONAL_TABLE_KINDS) expect(rows.get(table)!.trim().endsWith(`\`${table}\` |`)).toBe(true);
  });

  it('says why every jurisdiction table that is not personal holds nothing personal', () => {
    const rest = doc.slice(doc.indexOf('Not personal'));
    for (const table of JURISDICTION_TABLE_KINDS.filter((t) => !PERSONAL_TABLE_KINDS.includes(t))) expect(rest).toContain(`| \`${table}\``);
  });
});
