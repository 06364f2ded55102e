import { wordErrorRate } from './accuracy.js';
import { applyEdits } from './edits.js';
import { editsFromReference } from './reference-edits.js';
import { joinText, type TranscriptDoc } from './transcript.js';

function doc(...segments: string[]): TranscriptDoc {
  const segs = segments.map((text, id) => ({
    id,
    start: id * 10,
    end: id * 10 + 5,
    text,
    confidence: 0.8,
    words: text ? text.split(' ').map((word, i) => ({ word, start: id * 10 + i * 0.5, end: id * 10 + i * 0.5 + 0.4, confidence: 0.8 })) : [],
  }));
  return { text: joinText(segs), segments: segs, durationSeconds: 20, model: { name: 'm', version: '1' } };
}

describe('edits from a reference text', () => {
  it('turns the transcript into the reference, word for word, keeping segments', () => {
    const base = doc('the patient takes met forming', 'twice a day with food');
    const reference = 'The patient takes metformin twice daily, with food.';
    const edits = editsFromReference(base, reference);
    const { transcript } = applyEdits(base, edits);
    expect(transcript.text).toBe(reference);
    expect(transcript.segments.map((s) => s.text)).toEqual(['The patient takes metformin', 'twice daily, with food.']);
    // Measured against the reference: met->metformin, +forming, a->daily, +day = 4 errors over 8 words.
    expect(wordErrorRate(reference, base.text).wer).toBeCloseTo(4 / 8);
  });

  it('inserts missed words after the previous machine word and handles an empty start', () => {
    const base = doc('hello', 'world');
    const { transcript } = applyEdits(base, editsFromReference(base, 'well hello there big world again'));
    expect(transcript.segments.map((s) => s.text)).toEqual(['well hello there big', 'world again']);
  });

  it('aligns long recordings within a band', () => {
    const words = Array.from({ length: 6000 }, (_, i) => `w${i % 97}x${Math.floor(i / 97)}`);
    const machine = words.map((w, i) => (i % 10 === 0 ? 'uh' : w));
    const base = doc(machine.slice(0, 3000).join(' '), machine.slice(3000).join(' '));
    const edits = editsFromReference(base, words.join(' '));
    expect(edits).toHaveLength(600);
    expect(applyEdits(base, edits).transcript.text).toBe(words.join(' '));
  });
});
