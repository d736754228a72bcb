import type { Hook } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { Problem } from './problem.ts';

export interface FieldError {
  path: string;
  code: string;
  message: string;
}

type Issue = ZodError['issues'][number];

/**
 * Flattens zod issues into `errors: [{ path, code, message }]` for the problem body. For a union (one
 * order or a batch) it reports the branch that came closest, not "no branch matched".
 */
export function fieldErrors(error: ZodError): FieldError[] {
  return flatten(error.issues, []);
}

function flatten(issues: readonly Issue[], prefix: PropertyKey[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
      if (closest.length > 0) return flatten(closest, path);
    }
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key].map(String).join('.'),
        code: 'unknown_field',
        message: `Unknown field "${key}"`,
      }));
    }
    return [{ path: path.map(String).join('.'), code: issue.code, message: issue.message }];
  });
}

export function validationProblem(error: ZodError, where: string): Problem {
  const errors = fieldErrors(error);
  const onlyUnknown = errors.every((e) => e.code === 'unknown_field');
  return new Problem(
    400,
    onlyUnknown ? 'request.unknownField' : 'request.invalid',
    onlyUnknown ? `Unknown field in ${where}` : `Invalid ${where}`,
    { errors },
  );
}

const targetNames: Record<string, string> = {
  json: 'request body',
  query: 'query parameters',
  param: 'path parameters',
  header: 'headers',
};

/** Every route validates through this hook, so every validation failure has the same problem shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the hook is shared by routes of every input type
export const validationHook: Hook<any, any, any, void> = (result) => {
  if (!result.success) throw validationProblem(result.error, targetNames[result.target] ?? result.target);
};
