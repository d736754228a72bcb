import { z } from 'zod';
import { AnalysisAnswer, HOUSEHOLD_SIZE_BANDS, LIFE_STAGES, PRICE_LEVELS } from './analysis.schema.ts';

/**
 * The answer as the model writes it: short keys (explained once in the system prompt), products by their
 * number in the input's product table, empty lists left out. It holds exactly what the long answer holds;
 * `fromCompact` turns it into the stored and served `AnalysisAnswer`, `toCompact` back (tests, benchmarks).
 */
const c = z.number().min(0).max(1);
const text = (max: number) => z.string().min(1).max(max);
const evidence = z.array(z.string().max(300)).max(10).optional();
/** A product: its number in the input's table, or a name (a model may write one). */
const productRef = z.union([z.number().int().min(1), z.string().min(1).max(200)]);

export const CompactAnswer = z
  .object({
    cp: z.array(z.object({ t: text(300), p: z.array(productRef).max(20).optional(), c }).strict()).max(10).optional(),
    nd: z.array(z.object({ p: productRef.optional(), t: text(200).optional(), w: text(100), c }).strict().refine((n) => n.p !== undefined || n.t !== undefined, 'a need names a product (p) or says what (t)')).max(10).optional(),
    hh: z.object({ r: text(300), e: evidence, c, sz: z.enum(HOUSEHOLD_SIZE_BANDS).optional(), ls: z.enum(LIFE_STAGES).optional() }).strict(),
    se: z.object({ r: text(300), e: evidence, c }).strict(),
    ps: z.object({ l: z.enum(PRICE_LEVELS), e: evidence, c: c.optional() }).strict(),
    rc: z.array(text(100)).max(10).optional(),
    ch: z.array(text(300)).max(10).optional(),
    s: text(400),
  })
  .strict();
export type CompactAnswer = z.infer<typeof CompactAnswer>;

/**
 * The tool's input schema: types, the top-level required keys and enums only. Lengths, ranges and nested
 * required keys are checked by zod after the call (a violation is sent back once as a repair), and the
 * system prompt says what each key holds, so the model is not made to read them here.
 */
export function compactToolSchema(): Record<string, unknown> {
  const s = { type: 'string' };
  const n = { type: 'number' };
  const texts = { type: 'array', items: s };
  const list = (items: unknown) => ({ type: 'array', items });
  const obj = (properties: Record<string, unknown>, required?: string[]) => ({ type: 'object', properties, ...(required ? { required } : {}) });
  return obj(
    {
      cp: list(obj({ t: s, p: { type: 'array' }, c: n })),
      nd: list(obj({ p: { type: 'integer' }, t: s, w: s, c: n })),
      hh: obj({ r: s, e: texts, c: n, sz: { enum: [...HOUSEHOLD_SIZE_BANDS] }, ls: { enum: [...LIFE_STAGES] } }),
      se: obj({ r: s, e: texts, c: n }),
      ps: obj({ l: { enum: [...PRICE_LEVELS] }, e: texts, c: n }),
      rc: texts,
      ch: texts,
      s,
    },
    ['hh', 'se', 'ps', 's'],
  );
}

/** The tool the model fills (a short name: the model writes it in every answer). */
export const COMPACT_TOOL_NAME = 'analysis';

const nameOf = (ref: number | string, products: readonly { name: string }[]) => (typeof ref === 'number' ? (products[ref - 1]?.name ?? `product ${ref}`) : ref);
/** `#n` in a text is product n of the table. */
const REF = /#(\d+)/g;
const expand = (text: string, products: readonly { name: string }[]) => text.replace(REF, (m, n: string) => products[Number(n) - 1]?.name ?? m);
const mentioned = (text: string) => [...text.matchAll(REF)].map((m) => Number(m[1]));

/** The long answer from the compact one; products by number (and `#n` in texts) become their names. */
export function fromCompact(a: CompactAnswer, products: readonly { name: string }[]): AnalysisAnswer {
  const t = (text: string) => expand(text, products);
  return {
    // A pattern's products are those it names, unless it lists them.
    consumptionPatterns: (a.cp ?? []).map((p) => ({ pattern: t(p.t), products: (p.p ?? mentioned(p.t)).map((r) => nameOf(r, products)), confidence: p.c })),
    predictedNeeds: (a.nd ?? []).map((n) => ({ need: n.p !== undefined ? nameOf(n.p, products) : t(n.t!), timing: t(n.w), confidence: n.c })),
    household: { reading: t(a.hh.r), evidence: (a.hh.e ?? []).map(t), confidence: a.hh.c, ...(a.hh.sz ? { sizeBand: a.hh.sz } : {}), ...(a.hh.ls ? { lifeStage: a.hh.ls } : {}) },
    socioeconomic: { reading: t(a.se.r), evidence: (a.se.e ?? []).map(t), confidence: a.se.c },
    priceSensitivity: { level: a.ps.l, evidence: (a.ps.e ?? []).map(t), ...(a.ps.c !== undefined ? { confidence: a.ps.c } : {}) },
    recommendedCategories: (a.rc ?? []).map(t),
    churnSignals: (a.ch ?? []).map(t),
    summary: t(a.s),
  };
}

/** The compact form of a long answer (products named in the table become their numbers). */
export function toCompact(a: AnalysisAnswer, products: readonly { name: string }[] = []): CompactAnswer {
  const index = new Map(products.map((p, i) => [p.name, i + 1]));
  const ref = (name: string) => index.get(name) ?? name;
  // Longest names first, so a name inside another is not replaced in it.
  const byLength = [...index.keys()].sort((x, y) => y.length - x.length);
  const t = (text: string) => byLength.reduce((s, name) => s.split(name).join(`#${index.get(name)}`), text);
  const some = <T>(xs: T[]) => (xs.length > 0 ? xs : undefined);
  const drop = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const patternProducts = (p: AnalysisAnswer['consumptionPatterns'][number]) => {
    const refs = p.products.map(ref);
    const implied = mentioned(t(p.pattern));
    return JSON.stringify(refs) === JSON.stringify(implied) ? undefined : refs;
  };
  return drop({
    cp: some(a.consumptionPatterns.map((p) => drop({ t: t(p.pattern), p: patternProducts(p), c: p.confidence }))),
    nd: some(a.predictedNeeds.map((n) => (index.has(n.need) ? { p: index.get(n.need)!, w: t(n.timing), c: n.confidence } : { t: t(n.need), w: t(n.timing), c: n.confidence }))),
    hh: drop({ r: t(a.household.reading), e: some(a.household.evidence.map(t)), c: a.household.confidence, sz: a.household.sizeBand, ls: a.household.lifeStage }),
    se: drop({ r: t(a.socioeconomic.reading), e: some(a.socioeconomic.evidence.map(t)), c: a.socioeconomic.confidence }),
    ps: drop({ l: a.priceSensitivity.level, e: some(a.priceSensitivity.evidence.map(t)), c: a.priceSensitivity.confidence }),
    rc: some(a.recommendedCategories.map(t)),
    ch: some(a.churnSignals.map(t)),
    s: t(a.summary),
  });
}

/**
 * Reads a tool input: the compact form, or the long form (a model that writes the full field names is
 * still understood); otherwise `problems` says what did not validate, in the form the model tried.
 */
export function readAnswer(input: unknown, products: readonly { name: string }[]): { answer: AnalysisAnswer } | { problems: string[] } {
  const compact = CompactAnswer.safeParse(input);
  if (compact.success) {
    const long = AnalysisAnswer.safeParse(fromCompact(compact.data, products));
    if (long.success) return { answer: long.data };
    return { problems: long.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  }
  const long = AnalysisAnswer.safeParse(input);
  if (long.success) return { answer: long.data };
  // Tell the model about the form it tried to write.
  const triedLong = typeof input === 'object' && input !== null && Object.keys(input).some((k) => k.length > 2);
  return { problems: (triedLong ? long.error : compact.error).issues.slice(0, 20).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
}
