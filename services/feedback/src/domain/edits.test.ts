import { InvalidEdit, applyEdits } from './edits.js';
import type { TranscriptDoc } from './transcript.js';

const base: TranscriptDoc = {
  text: 'the cat sat on the mat',
  durationSeconds: 3,
  model: { name: 'm', version: '1' },
  segments: [
    {
      id: 7,
      start: 0,
      end: 3,
      text: 'the cat sat on the mat',
      confidence: 0.8,
      words: ['the', 'cat', 'sat', 'on', 'the', 'mat'].map((word, i) => ({ word, start: i * 0.5, end: i * 0.5 + 0.4, confidence: 0.8 })),
    },
  ],
};

describe('applying word edits', () => {
  it('replaces, deletes and inserts by base-revision indexes, keeping the time spans', () => {
    const { transcript, applied } = applyEdits(base, [
      { segmentId: 7, wordIndex: 1, word: 'dog', op: 'replace' },
      { segmentId: 7, wordIndex: 3, word: '', op: 'replace' },
      { segmentId: 7, wordIndex: 6, word: 'today', op: 'insert' },
    ]);
    expect(transcript.segments[0]!.text).toBe('the dog sat the mat today');
    expect(transcript.text).toBe('the dog sat the mat today');
    expect(transcript.segments[0]!.words[1]).toEqual({ word: 'dog', start: 0.5, end: 0.9, confidence: 1 });
    expect(applied.map((a) => [a.previous, a.word, a.start])).toEqual([['cat', 'dog', 0.5], ['on', '', 1.5], ['', 'today', 2.9]]);
    // The base is not modified.
    expect(base.segments[0]!.text).toBe('the cat sat on the mat');
    expect(base.segments[0]!.words).toHaveLength(6);
  });

  it('splits a replacement of several words over the original span', () => {
    const { transcript } = applyEdits(base, [{ segmentId: 7, wordIndex: 5, word: 'door mat', op: 'replace' }]);
    const words = transcript.segments[0]!.words.slice(5);
    expect(words.map((x) => x.word)).toEqual(['door', 'mat']);
    expect(words[0]!.start).toBeCloseTo(2.5);
    expect(words[1]!.end).toBeCloseTo(2.9);
  });

  it('refuses edits that do not fit the base revision', () => {
    expect(() => applyEdits(base, [])).toThrow(InvalidEdit);
    expect(() => applyEdits(base, [{ segmentId: 8, wordIndex: 0, word: 'x', op: 'replace' }])).toThrow('segment 8 does not exist');
    expect(() => applyEdits(base, [{ segmentId: 7, wordIndex: 6, word: 'x', op: 'replace' }])).toThrow('has no word 6');
    expect(() =>
      applyEdits(base, [
        { segmentId: 7, wordIndex: 0, word: 'a', op: 'replace' },
        { segmentId: 7, wordIndex: 0, word: 'b', op: 'replace' },
      ]),
    ).toThrow('edited twice');
  });
});
