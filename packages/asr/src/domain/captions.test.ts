import type { Transcript } from '../types.js';
import { timestamp, toCues, toSrt, toText, toVtt } from './captions.js';

const w = (word: string, start: number, end: number) => ({ word, start, end, confidence: 0.9 });

const transcript: Transcript = {
  text: 'hello there general kenobi',
  durationSeconds: 3725,
  model: { name: 'm', version: '1' },
  segments: [
    { id: 0, start: 0.5, end: 1.6, text: 'hello there', words: [w('hello', 0.5, 0.9), w('there', 1.0, 1.6)], confidence: 0.9 },
    { id: 1, start: 3723.25, end: 3724.5, text: 'general kenobi', words: [w('general', 3723.25, 3723.8), w('kenobi', 3723.9, 3724.5)], confidence: 0.9 },
  ],
};

describe('caption formats', () => {
  it('formats timestamps for SRT and VTT', () => {
    expect(timestamp(0, ',')).toBe('00:00:00,000');
    expect(timestamp(3723.2504, '.')).toBe('01:02:03.250');
    expect(timestamp(59.9996, ',')).toBe('00:01:00,000');
  });

  it('writes SRT', () => {
    expect(toSrt(transcript)).toBe(
      '1\n00:00:00,500 --> 00:00:01,600\nhello there\n\n2\n01:02:03,250 --> 01:02:04,500\ngeneral kenobi\n',
    );
  });

  it('writes WebVTT', () => {
    expect(toVtt(transcript)).toBe(
      'WEBVTT\n\n00:00:00.500 --> 00:00:01.600\nhello there\n\n01:02:03.250 --> 01:02:04.500\ngeneral kenobi\n',
    );
  });

  it('writes plain text, one segment per line', () => {
    expect(toText(transcript)).toBe('hello there\ngeneral kenobi\n');
    expect(toText({ ...transcript, segments: [] })).toBe('');
  });

  it('splits a long segment into cues of at most two lines, by the word times', () => {
    const words = Array.from({ length: 30 }, (_, i) => w(`word${i}`, i * 0.4, i * 0.4 + 0.3));
    const long: Transcript = { ...transcript, segments: [{ id: 0, start: 0, end: 12, text: words.map((x) => x.word).join(' '), words, confidence: 1 }] };
    const cues = toCues(long);
    expect(cues.length).toBeGreaterThan(1);
    for (const c of cues) {
      const lines = c.text.split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(42);
      expect(c.end - c.start).toBeLessThanOrEqual(6);
    }
    expect(cues.map((c) => c.text.replace('\n', ' ')).join(' ')).toBe(long.segments[0]!.text);
  });
});
