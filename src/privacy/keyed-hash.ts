/**
 * Keyed hashes (HMAC-SHA-256) of identifiers that must be recognised after they are erased: a customer
 * id or an email on the suppression list, the subject of a privacy request. Without the key nobody can
 * test a guess against them, unlike a plain hash of an email.
 */
export class KeyedHasher {
  private key: Promise<CryptoKey> | undefined;

  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error('the privacy key must be at least 32 characters');
  }

  async hash(kind: 'customer' | 'email', value: string): Promise<string> {
    this.key ??= crypto.subtle.importKey('raw', new TextEncoder().encode(this.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const normalised = kind === 'email' ? value.trim().toLowerCase() : value;
    const mac = await crypto.subtle.sign('HMAC', await this.key, new TextEncoder().encode(`${kind}\u0000${normalised}`));
    return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
}
