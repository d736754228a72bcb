import { z } from '@hono/zod-openapi';

/**
 * Characters a name has no business containing: C0/C1 controls (NUL, escape, …), bidirectional
 * overrides and isolates (which can make "gro.elpmaxe" read "example.org"), the zero-width space, word
 * joiner, byte-order mark and Mongolian vowel separator (invisible padding), and Unicode noncharacters.
 * The zero-width joiner and non-joiner are kept: Persian and Indic scripts and emoji sequences need them,
 * but not at the ends or twice in a row, where they are only hiding places.
 */
const FORBIDDEN = /[\p{Cc}\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u180e\ufdd0-\ufdef\ufffe\uffff]/u;
const LOOSE_JOINER = /^[\u200c\u200d]|[\u200c\u200d]$|[\u200c\u200d]{2}/u;

/** Why a text is refused, or undefined when it is fine (after NFC normalisation). */
export function textProblem(value: string): string | undefined {
  if (!value.isWellFormed()) return 'contains a lone surrogate (not valid Unicode)';
  if (FORBIDDEN.test(value)) return 'contains a control, bidirectional or invisible character';
  if (LOOSE_JOINER.test(value)) return 'contains a stray zero-width joiner';
  return undefined;
}

/**
 * A free-text field (a display name, a product name): normalised to NFC and trimmed, then refused if it
 * holds characters that can hide or disguise text. Every free-text field of the API uses it.
 */
export const FreeText = (max: number) =>
  z
    .string()
    .refine((v) => v.isWellFormed(), 'contains a lone surrogate (not valid Unicode)')
    .transform((v) => v.normalize('NFC').trim())
    .pipe(
      z
        .string()
        .min(1)
        .max(max)
        .superRefine((v, ctx) => {
          const problem = textProblem(v);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    );
