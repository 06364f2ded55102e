import { contentDisposition, formatTimestamp, segmentToCues, toSrt, toText, toVtt, wrapCueText } from './export';
import type { Segment } from './transcript';

const words = (text: string, start: number, step: number) =>
  text.split(' ').map((w, i) => ({ word: w, start: start + i * step, end: start + (i + 1) * step - 0.05, confidence: 0.9 }));

const short: Segment = { id: 0, start: 0.5, end: 2.25, text: 'Hello world.', confidence: 0.9, words: words('Hello world.', 0.5, 0.8) };

describe('formatTimestamp', () => {
  it('formats SRT and VTT timestamps', () => {
    expect(formatTimestamp(0, ',')).toBe('00:00:00,000');
    expect(formatTimestamp(3661.5, ',')).toBe('01:01:01,500');
    expect(formatTimestamp(59.9996, '.')).toBe('00:01:00.000');
    expect(formatTimestamp(36000 + 0.007, '.')).toBe('10:00:00.007');
    expect(formatTimestamp(-1, ',')).toBe('00:00:00,000');
  });
});

describe('SRT / VTT / TXT', () => {
  it('writes one numbered cue per short segment', () => {
    const second: Segment = { id: 1, start: 3, end: 4, text: 'Second line', confidence: 0.8, words: [] };
    expect(toSrt([short, second])).toBe('1\n00:00:00,500 --> 00:00:02,250\nHello world.\n\n2\n00:00:03,000 --> 00:00:04,000\nSecond line\n');
    expect(toVtt([short])).toBe('WEBVTT\n\n00:00:00.500 --> 00:00:02.250\nHello world.\n');
    expect(toText([short, second])).toBe('Hello world.\nSecond line\n');
  });

  it('escapes markup in VTT', () => {
    expect(toVtt([{ ...short, text: 'a < b & c --> d' }])).toContain('a &lt; b &amp; c --&gt; d');
  });

  it('skips empty segments and falls back to the text', () => {
    expect(toSrt([{ ...short, text: '  ' }])).toBe('');
    expect(toText([], 'only text')).toBe('only text\n');
  });
});

describe('segmentToCues', () => {
  it('splits a long segment at word boundaries within 7 s', () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve';
    const seg: Segment = { id: 0, start: 0, end: 12, text, confidence: 1, words: words(text, 0, 1) };
    const cues = segmentToCues(seg);
    expect(cues.length).toBe(2);
    for (const c of cues) expect(c.end - c.start).toBeLessThanOrEqual(7);
    expect(cues.map((c) => c.text).join(' ')).toBe(text);
  });

  it('splits at 84 characters', () => {
    const text = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const seg: Segment = { id: 0, start: 0, end: 6, text, confidence: 1, words: words(text, 0, 0.2) };
    const cues = segmentToCues(seg);
    expect(cues.length).toBeGreaterThan(1);
    for (const c of cues) expect(c.text.length).toBeLessThanOrEqual(84);
    expect(cues.map((c) => c.text).join(' ')).toBe(text);
  });

  it('splits by characters when there are no word timings', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau';
    const cues = segmentToCues({ id: 0, start: 10, end: 30, text, confidence: 1, words: [] });
    expect(cues.length).toBeGreaterThan(2);
    expect(cues[0]!.start).toBe(10);
    for (const c of cues) expect(c.end - c.start).toBeLessThanOrEqual(7.01);
    expect(cues.map((c) => c.text).join(' ')).toBe(text);
  });

  it('wraps long cue text into two balanced lines', () => {
    const t = 'this is a fairly long caption line that needs wrapping now';
    const wrapped = wrapCueText(t);
    const [a, b] = wrapped.split('\n');
    expect(a!.length).toBeLessThanOrEqual(42);
    expect(b!.length).toBeLessThanOrEqual(42);
  });
});

describe('contentDisposition', () => {
  it('names the download after the upload', () => {
    expect(contentDisposition('interview 3.wav', 'srt')).toBe(`attachment; filename="interview 3.srt"; filename*=UTF-8''interview%203.srt`);
    expect(contentDisposition('', 'txt')).toContain('filename="transcript.txt"');
    expect(contentDisposition('Müller.mp3', 'vtt')).toContain(`filename="M_ller.vtt"; filename*=UTF-8''M%C3%BCller.vtt`);
  });
});
