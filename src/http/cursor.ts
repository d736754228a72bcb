import { Problem } from './problem.ts';

/**
 * Pagination cursors are DynamoDB's LastEvaluatedKey, base64url-encoded JSON. They are opaque to clients;
 * on the way back they are checked field by field so a forged cursor cannot reach another partition.
 */
export function encodeCursor(key: Record<string, unknown>): string {
  const bytes = new TextEncoder().encode(JSON.stringify(key));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function decodeCursor(cursor: string, fields: readonly string[], expect: Record<string, string> = {}): Record<string, string> {
  const invalid = new Problem(400, 'request.invalidCursor', 'The cursor is not one this endpoint returned'); // only built when a cursor is sent
  let parsed: unknown;
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
  } catch {
    throw invalid;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid;
  const entries = Object.entries(parsed);
  if (entries.length !== fields.length) throw invalid;
  const out: Record<string, string> = {};
  for (const field of fields) {
    const value = (parsed as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 512) throw invalid;
    if (field in expect && expect[field] !== value) throw invalid;
    out[field] = value;
  }
  return out;
}
