import { messageGone } from './reconciler.js';

describe('messageGone: whether a queued job has lost its request message', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, s));
  const backlog = { messages: 10, pending: 10, firstTs: t(30) };

  it('never while the event still waits in the outbox', () => {
    expect(messageGone({ unpublished: true, publishedAt: null }, { messages: 0, pending: 0, firstTs: undefined })).toBe(false);
  });
  it('always when no event was ever written for it', () => {
    expect(messageGone({ unpublished: false, publishedAt: null }, undefined)).toBe(true);
  });
  it('when the queue has nothing left to deliver', () => {
    expect(messageGone({ unpublished: false, publishedAt: t(0) }, { messages: 0, pending: 0, firstTs: undefined })).toBe(true);
    expect(messageGone({ unpublished: false, publishedAt: t(0) }, { messages: 2, pending: 0, firstTs: t(0) })).toBe(true);
  });
  it('when it was published before the oldest message still queued (beyond clock skew)', () => {
    expect(messageGone({ unpublished: false, publishedAt: t(0) }, backlog)).toBe(true);
    expect(messageGone({ unpublished: false, publishedAt: t(28) }, backlog)).toBe(false);
    expect(messageGone({ unpublished: false, publishedAt: t(40) }, backlog)).toBe(false);
  });
  it('not when the queue state is unknown (NATS unreachable)', () => {
    expect(messageGone({ unpublished: false, publishedAt: t(0) }, undefined)).toBe(false);
  });
});
