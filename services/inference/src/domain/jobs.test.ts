import { AppError } from '@verbatim/common';
import { decodeCursor, encodeCursor, pageSize, transcriptStats, validateCreateJob, type CreateJobInput } from './jobs.js';

const limits = { domains: ['medicine'], maxVocabularyEntries: 3, maxVocabularyEntryChars: 10 };
const input = (over: Partial<CreateJobInput> = {}): CreateJobInput => ({
  jobId: '6f1c2d9e-8a4b-4c1d-9e2f-0a1b2c3d4e5f',
  accountId: 'acct',
  mediaId: 'm1',
  storageKey: 'audio/acct/m1',
  filename: 'a.wav',
  idempotencyKey: '',
  domain: '',
  vocabulary: [],
  durationSeconds: 12,
  ...over,
});

function problems(over: Partial<CreateJobInput>): string {
  try {
    validateCreateJob(input(over), limits);
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).kind).toBe('invalid_argument');
    return (e as AppError).message;
  }
}

describe('validateCreateJob', () => {
  it('normalises a good request: general domain, trimmed and de-duplicated vocabulary', () => {
    const job = validateCreateJob(input({ jobId: '6F1C2D9E-8A4B-4C1D-9E2F-0A1B2C3D4E5F', vocabulary: [' Okafor ', 'Okafor', ''] }), limits);
    expect(job).toMatchObject({ id: '6f1c2d9e-8a4b-4c1d-9e2f-0a1b2c3d4e5f', domain: 'general', vocabulary: ['Okafor'], idempotencyKey: null });
    expect(validateCreateJob(input({ domain: 'medicine' }), limits).domain).toBe('medicine');
  });

  it('reports every problem together', () => {
    const msg = problems({ jobId: 'x', domain: 'astrology', vocabulary: ['a', 'b', 'c', 'd'], storageKey: 'audio/other/m1' });
    expect(msg).toMatch(/job_id must be a UUID/);
    expect(msg).toMatch(/unknown domain "astrology"; known domains: general, medicine/);
    expect(msg).toMatch(/4 entries; at most 3/);
    expect(msg).toMatch(/storage_key must be under the account's audio\/ prefix/);
    expect(problems({ vocabulary: ['abcdefghijk'] })).toMatch(/longer than 10 characters/);
    expect(problems({ mediaId: ' ' })).toMatch(/media_id is required/);
  });
});

describe('list cursors and page sizes', () => {
  it('round-trips a cursor and refuses a forged one', () => {
    const c = { createdAt: '2026-11-27T11:32:00.123456Z', id: '6f1c2d9e-8a4b-4c1d-9e2f-0a1b2c3d4e5f' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['bogus', Buffer.from("x|'; drop table jobs").toString('base64url'), Buffer.from(`${c.createdAt}|${c.id}|x`).toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(/page_token is not valid/);
    }
  });

  it('defaults and caps the page size', () => {
    expect(pageSize(0)).toBe(20);
    expect(pageSize(7)).toBe(7);
    expect(pageSize(1000)).toBe(100);
    expect(() => pageSize(-1)).toThrow(AppError);
  });
});

it('counts words and their mean confidence', () => {
  expect(transcriptStats([{ words: [{ confidence: 0.5 }, { confidence: 1 }] }, { words: [] }])).toMatchObject({ wordCount: 2, meanConfidence: 0.75 });
  expect(transcriptStats([])).toMatchObject({ wordCount: 0, meanConfidence: 0 });
});
