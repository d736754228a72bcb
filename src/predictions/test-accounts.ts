/**
 * Which customers are test or internal accounts (decision 69): a list of patterns, `id:<glob>` on the
 * customer id or `email:<glob>` on the contact email (case-insensitive), `*` matching any characters;
 * e.g. `email:*@myshop.example,id:cus_eu_qa*`. Emails are personal data: the rule is applied by the
 * deployment that holds the customer's profile, in the customer's jurisdiction, and only its outcome
 * (the `test_account` flag) is kept.
 */
export interface TestAccountRule {
  /** True when some pattern needs the profile (an email pattern): the refit then reads profiles. */
  readonly needsProfile: boolean;
  matches(customerId: string, email?: string): boolean;
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');

/** Parses the patterns; throws on one that names neither `id:` nor `email:` (a typo must not pass silently). */
export function testAccountRule(patterns: readonly string[] = []): TestAccountRule {
  const ids: RegExp[] = [];
  const emails: RegExp[] = [];
  for (const raw of patterns.map((p) => p.trim()).filter(Boolean)) {
    const [kind, ...rest] = raw.split(':');
    const glob = rest.join(':');
    if (!glob || (kind !== 'id' && kind !== 'email')) throw new Error(`test-account pattern "${raw}" must be id:<glob> or email:<glob>`);
    (kind === 'id' ? ids : emails).push(globToRegExp(glob));
  }
  return {
    needsProfile: emails.length > 0,
    matches: (customerId, email) => ids.some((r) => r.test(customerId)) || (email !== undefined && emails.some((r) => r.test(email.trim()))),
  };
}

/** The test accounts among these customers, reading profiles (in this jurisdiction) only when the rule needs them. */
export async function testAccountsAmong(rule: TestAccountRule, ids: readonly string[], profile: (id: string) => Promise<{ contact?: { email?: string } } | undefined>): Promise<Set<string>> {
  const found = new Set<string>();
  const pending = [...ids];
  const worker = async () => {
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (rule.matches(id, rule.needsProfile ? (await profile(id))?.contact?.email : undefined)) found.add(id);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return found;
}
