// The time-aligned transcript document every service shares: what inference stores at
// transcripts/<account>/<job>.json, what feedback keeps per revision and what the gateway formats.
// Times are seconds from the start of the audio; confidences are 0..1.

export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
  confidence: number;
}

export interface TranscriptSegment {
  id: number;
  start: number;
  end: number;
  text: string;
  confidence: number;
  words: TranscriptWord[];
}
