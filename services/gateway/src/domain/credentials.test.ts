import { generateApiKey, hashPassword, parseApiKey, secretMatches, verifyPassword } from './credentials';

describe('API keys', () => {
  it('round-trips a generated key and matches only its own secret', () => {
    const k = generateApiKey();
    const parsed = parseApiKey(k.key)!;
    expect(parsed.prefix).toBe(k.prefix);
    expect(secretMatches(parsed.secret, k.hash)).toBe(true);
    expect(secretMatches(parsed.secret.replace(/.$/, (c) => (c === '0' ? '1' : '0')), k.hash)).toBe(false);
  });

  it('rejects malformed keys', () => {
    expect(parseApiKey('sk-abc')).toBeUndefined();
    expect(parseApiKey('vb_short_secret')).toBeUndefined();
  });
});

describe('passwords', () => {
  it('hashes with scrypt and verifies', () => {
    const h = hashPassword('correct horse');
    expect(h.startsWith('scrypt$')).toBe(true);
    expect(verifyPassword('correct horse', h)).toBe(true);
    expect(verifyPassword('wrong', h)).toBe(false);
  });
});
