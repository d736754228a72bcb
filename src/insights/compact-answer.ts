import { z } from 'zod';
import { AnalysisAnswer, HOUSEHOLD_SIZE_BANDS, LIFE_STAGES, PRICE_LEVELS } from './analysis.schema.ts';

/**
 * The answer as the model writes it: short keys (explained once in the system prompt), products by their
 * number in the input's product table, empty lists left out, confidences as whole percentages, and the
 * lists of small records (patterns, needs) and the two plain readings as positional tuples, a need's timing
 * as days when it is "within n days". It holds exactly what the long answer holds; `fromCompact` turns it
 * into the stored and served `AnalysisAnswer`, `toCompact` back (tests, benchmarks).
 */
const c = z.number().min(0).max(100);
const text = (max: number) => z.string().min(1).max(max);
const evidence = z.array(z.string().max(300)).max(10);
/** A product: its number in the input's table, or a name (a model may write one). */
const productRef = z.union([z.number().int().min(1), z.string().min(1).max(200)]);
/** A need's timing: days from today ("within n days"), or words. */
const timing = z.union([z.number().int().min(0).max(3650), text(100)]);

export const CompactAnswer = z
  .object({
    /** [pattern, confidence] or [pattern, confidence, products] when they are not the #n the text names. */
    cp: z.array(z.union([z.tuple([text(300), c]), z.tuple([text(300), c, z.array(productRef).max(20)])])).max(10).optional(),
    /** [product number or what, within days or when, confidence] */
    nd: z.array(z.tuple([z.union([z.number().int().min(1), text(200)]), timing, c])).max(10).optional(),
    hh: z.object({ r: text(300), e: evidence.optional(), c, sz: z.enum(HOUSEHOLD_SIZE_BANDS).optional(), ls: z.enum(LIFE_STAGES).optional() }).strict(),
    /** [reading, evidence, confidence] */
    se: z.tuple([text(300), evidence, c]),
    /** [level, evidence, confidence] */
    ps: z.union([z.tuple([z.enum(PRICE_LEVELS), evidence]), z.tuple([z.enum(PRICE_LEVELS), evidence, c])]),
    rc: z.array(text(100)).max(10).optional(),
    ch: z.array(text(300)).max(10).optional(),
    s: text(400),
  })
  .strict();
export type CompactAnswer = z.infer<typeof CompactAnswer>;

/**
 * The tool's input schema: types, the top-level required keys and enums only. Lengths, ranges, tuple
 * positions and nested required keys are checked by zod after the call (a violation is sent back once as a
 * repair), and the system prompt says what each key and position holds, so the model is not made to read
 * them here.
 */
export function compactToolSchema(): Record<string, unknown> {
  const s = { type: 'string' };
  const n = { type: 'number' };
  const texts = { type: 'array', items: s };
  const list = (items: unknown) => ({ type: 'array', items });
  const tuple = { type: 'array' };
  const obj = (properties: Record<string, unknown>, required?: string[]) => ({ type: 'object', properties, ...(required ? { required } : {}) });
  return obj(
    {
      cp: list(tuple),
      nd: list(tuple),
      hh: obj({ r: s, e: texts, c: n, sz: { enum: [...HOUSEHOLD_SIZE_BANDS] }, ls: { enum: [...LIFE_STAGES] } }),
      se: tuple,
      ps: tuple,
      rc: texts,
      ch: texts,
      s,
    },
    ['hh', 'se', 'ps', 's'],
  );
}

/** The tool the model fills (a one-letter name: the model writes it in every answer). */
export const COMPACT_TOOL_NAME = 'a';

const nameOf = (ref: number | string, products: readonly { name: string }[]) => (typeof ref === 'number' ? (products[ref - 1]?.name ?? `product ${ref}`) : ref);
/** `#n` in a text is product n of the table. */
const REF = /#(\d+)/g;
const expand = (text: string, products: readonly { name: string }[]) => text.replace(REF, (m, n: string) => products[Number(n) - 1]?.name ?? m);
const mentioned = (text: string) => [...text.matchAll(REF)].map((m) => Number(m[1]));
/** Percent to the answer's 0-1 scale and back, exact for whole percentages. */
const unit = (percent: number) => Math.round(percent * 100) / 10_000;
const percent = (confidence: number) => Math.round(confidence * 10_000) / 100;
const WITHIN = /^within (\d+) days?$/;
const withinDays = (days: number) => `within ${days} day${days === 1 ? '' : 's'}`;

/** The long answer from the compact one; products by number (and `#n` in texts) become their names. */
export function fromCompact(a: CompactAnswer, products: readonly { name: string }[]): AnalysisAnswer {
  const t = (text: string) => expand(text, products);
  const [psLevel, psEvidence, psC] = a.ps;
  return {
    // A pattern's products are those it names, unless it lists them.
    consumptionPatterns: (a.cp ?? []).map(([pattern, conf, listed]) => ({ pattern: t(pattern), products: (listed ?? mentioned(pattern)).map((r) => nameOf(r, products)), confidence: unit(conf) })),
    predictedNeeds: (a.nd ?? []).map(([need, when, conf]) => ({ need: typeof need === 'number' ? nameOf(need, products) : t(need), timing: typeof when === 'number' ? withinDays(when) : t(when), confidence: unit(conf) })),
    household: { reading: t(a.hh.r), evidence: (a.hh.e ?? []).map(t), confidence: unit(a.hh.c), ...(a.hh.sz ? { sizeBand: a.hh.sz } : {}), ...(a.hh.ls ? { lifeStage: a.hh.ls } : {}) },
    socioeconomic: { reading: t(a.se[0]), evidence: a.se[1].map(t), confidence: unit(a.se[2]) },
    priceSensitivity: { level: psLevel, evidence: psEvidence.map(t), ...(psC !== undefined ? { confidence: unit(psC) } : {}) },
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
  const pattern = (p: AnalysisAnswer['consumptionPatterns'][number]): NonNullable<CompactAnswer['cp']>[number] => {
    const refs = p.products.map(ref);
    const implied = mentioned(t(p.pattern));
    return JSON.stringify(refs) === JSON.stringify(implied) ? [t(p.pattern), percent(p.confidence)] : [t(p.pattern), percent(p.confidence), refs];
  };
  const when = (timing: string) => {
    const m = WITHIN.exec(timing);
    return m && withinDays(Number(m[1])) === timing ? Number(m[1]) : t(timing);
  };
  const ps = a.priceSensitivity;
  return drop({
    cp: some(a.consumptionPatterns.map(pattern)),
    nd: some(a.predictedNeeds.map((n): NonNullable<CompactAnswer['nd']>[number] => [index.get(n.need) ?? t(n.need), when(n.timing), percent(n.confidence)])),
    hh: drop({ r: t(a.household.reading), e: some(a.household.evidence.map(t)), c: percent(a.household.confidence), sz: a.household.sizeBand, ls: a.household.lifeStage }),
    se: [t(a.socioeconomic.reading), a.socioeconomic.evidence.map(t), percent(a.socioeconomic.confidence)] as CompactAnswer['se'],
    ps: (ps.confidence !== undefined ? [ps.level, ps.evidence.map(t), percent(ps.confidence)] : [ps.level, ps.evidence.map(t)]) as CompactAnswer['ps'],
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
