import type { Hook } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { Problem } from './problem.ts';

export interface FieldError {
  path: string;
  code: string;
  message: string;
}

/** Flattens zod issues into `errors: [{ path, code, message }]` for the problem body. */
export function fieldErrors(error: ZodError): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...issue.path, key].join('.'),
        code: 'unknown_field',
        message: `Unknown field "${key}"`,
      }));
    }
    return [{ path: issue.path.join('.'), code: issue.code, message: issue.message }];
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
