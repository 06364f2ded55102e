import { createHmac } from 'node:crypto';
import { computeSignature, signatureHeader, verifySignature } from './signature';

describe('webhook signature', () => {
  const secret = 'whsec_test';
  const body = '{"type":"transcription.completed","id":"j1"}';
  const now = new Date('2026-01-02T03:04:05Z');

  it('is the HMAC-SHA256 of "<t>.<body>"', () => {
    const t = Math.floor(now.getTime() / 1000);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(computeSignature(secret, t, body)).toBe(expected);
    expect(signatureHeader(secret, body, now)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies, and refuses tampering, other secrets and stale timestamps', () => {
    const header = signatureHeader(secret, body, now);
    expect(verifySignature(secret, header, body, 300, now)).toBe(true);
    expect(verifySignature(secret, header, body + ' ', 300, now)).toBe(false);
    expect(verifySignature('other', header, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header, body, 300, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifySignature(secret, 'garbage', body, 300, now)).toBe(false);
  });
});
