// CTC prefix beam search with shallow fusion of a word n-gram LM, a lexicon and per-request
// vocabulary boosting; then a forced (Viterbi) alignment of the winning text against the
// posteriors for word timestamps and confidences.
//
// Scores are natural-log. A hypothesis (a text prefix) has an acoustic part — log P(prefix |
// frames) split into "ends in blank" (pb) and "ends in a token" (pnb) as in the standard prefix
// search — and a language part kept on its prefix node and updated only when a token is added:
//   at each completed word: alpha * ln P_lm(word | previous words) + beta
//                           + unkPenalty if the word is neither in the lexicon nor boosted
//                           + oovCharPenalty per letter of such a word
//   boost terms and phrases: a fixed bonus per completed entry, credited bonus/length per token
//                           while it is spelled (taken back if the spelling leaves the entry
//                           before it is complete, so only completed terms keep a bonus)
// An out-of-lexicon spelling pays its penalty at the token where it leaves the lexicon, not at
// the end of the word, so that the beam drops it early.
import type { NgramModel } from './arpa.js';
import type { TrieNode } from './vocabulary.js';

const LN10 = Math.LN10;
const NEG_INF = -Infinity;

export interface DecoderConfig {
  tokens: readonly string[];
  blankId: number;
  delimiterId: number;
  beamWidth: number;
  /** LM weight (multiplies the LM's natural-log probability). */
  alpha: number;
  /** Bonus per word (nats), balancing the LM's cost of each word. */
  beta: number;
  /** Penalty (nats, ≤ 0) for a word outside the lexicon that is not boosted. */
  unkPenalty: number;
  /** Further penalty per letter of such a word (nats, ≤ 0). */
  oovCharPenalty: number;
  /** Tokens below this log-probability in a frame are not tried as extensions. */
  tokenLogProbFloor: number;
  /** At most this many extension tokens per frame. */
  maxTokensPerFrame: number;
  /** Hypotheses this far (nats) below the best are dropped even if the beam has room. */
  beamDelta: number;
  /** LM log10 probability floor for a boosted word the LM does not know. */
  boostOovLog10: number;
  /**
   * After this many consecutive frames of near-certain blank (a pause), an open word is closed
   * as if the model had emitted the delimiter: models trained on sentences emit only blanks in
   * silence, and words either side of a pause must not run together. 0 disables.
   */
  pauseFrames: number;
}

export const DEFAULT_DECODER: Omit<DecoderConfig, 'tokens' | 'blankId' | 'delimiterId'> = {
  beamWidth: 16,
  alpha: 0.5,
  beta: 1.0,
  unkPenalty: -6,
  oovCharPenalty: -1,
  tokenLogProbFloor: Math.log(1e-3),
  maxTokensPerFrame: 8,
  beamDelta: 20,
  boostOovLog10: -4.5,
  pauseFrames: 12,
};

export interface DecodeResources {
  lm?: NgramModel | null;
  lexicon?: TrieNode | null;
  boost?: TrieNode | null;
}

/** Posteriors of one segment: frames × vocab log-probabilities, row-major. */
export interface Posteriors {
  data: Float32Array;
  frames: number;
  vocab: number;
}

export interface DecodedWord {
  word: string;
  /** Frame index of the first token and one past the last token. */
  startFrame: number;
  endFrame: number;
  confidence: number;
}

export interface DecodeResult {
  text: string;
  words: DecodedWord[];
  /** Total score of the winner (acoustic + language), natural log. */
  score: number;
  confidence: number;
}

class Prefix {
  /** Extensions made so far (a short list: a Map per prefix cost more in GC than it saved). */
  kids: Prefix[] | null = null;
  pb = NEG_INF;
  pnb = NEG_INF;
  npb = NEG_INF;
  npnb = NEG_INF;
  /** Total score in the frame being pruned. */
  score = NEG_INF;
  stamp = -1;
  constructor(
    readonly parent: Prefix | null,
    readonly token: number,
    /** Letters of the word being spelled ('' right after a delimiter or at the start). */
    readonly partial: string,
    /** Language score so far (nats). */
    readonly lang: number,
    /** Word ids of the LM context. */
    readonly ctx: number[],
    /** Position in the lexicon trie for `partial`; null once it left the lexicon. */
    readonly lex: TrieNode | null,
    /** An unknown-word penalty was already charged for the current word. */
    readonly charged: boolean,
    /** Position in the boost trie when a boost phrase is being matched. */
    readonly boost: TrieNode | null,
    /** Bonus granted for the phrase being matched and not yet completed. */
    readonly boostPending: number,
  ) {}
}

function lse(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

export class CtcDecoder {
  /**
   * What each token writes: its character in lower case. Multi-character tokens other than the
   * delimiter (`<s>`, `<unk>`, `<pad>` in some exported vocabularies) write nothing and are never
   * proposed, so other CTC exports (upper-case letters, `|` as the delimiter) decode as well.
   */
  private readonly text: Array<string | null>;

  constructor(readonly config: DecoderConfig, readonly resources: DecodeResources = {}) {
    this.text = config.tokens.map((t, i) =>
      i === config.blankId ? null : i === config.delimiterId ? ' ' : t.length === 1 ? t.toLowerCase() : null);
  }

  /** A decoder sharing the model's LM and lexicon with a request's boost trie. */
  withBoost(boost: TrieNode | null): CtcDecoder {
    return new CtcDecoder(this.config, { ...this.resources, boost });
  }

  decode(post: Posteriors): DecodeResult {
    const best = this.search(post);
    const tokens: number[] = [];
    for (let p: Prefix | null = best.node; p && p.parent; p = p.parent) tokens.push(p.token);
    tokens.reverse();
    // The no-op delimiters are not in the prefix; trailing delimiters are dropped.
    while (tokens.length && tokens[tokens.length - 1] === this.config.delimiterId) tokens.pop();
    const words = this.align(post, tokens);
    const text = words.map((w) => w.word).join(' ');
    const confidence = words.length ? words.reduce((s, w) => s + w.confidence, 0) / words.length : 0;
    return { text, words, score: best.score, confidence };
  }

  private search(post: Posteriors): { node: Prefix; score: number } {
    const { blankId, delimiterId, beamWidth, tokenLogProbFloor, maxTokensPerFrame, beamDelta } = this.config;
    const V = post.vocab;
    const lm = this.resources.lm ?? null;
    const root = new Prefix(null, -1, '', 0, lm && lm.bosId >= 0 ? [lm.bosId] : [], this.resources.lexicon ?? null, false, null, 0);
    root.pb = 0;
    let beams: Prefix[] = [root];
    const touched: Prefix[] = [];
    const cand: number[] = [];
    const pauseLogProb = Math.log(0.9);
    let blankRun = 0;

    for (let t = 0; t < post.frames; t++) {
      const row = t * V;
      const lp = (k: number) => post.data[row + k]!;
      blankRun = lp(blankId) >= pauseLogProb ? blankRun + 1 : 0;
      if (blankRun === this.config.pauseFrames && this.config.pauseFrames > 0) beams = this.closeAtPause(beams);
      // Candidate extensions of this frame. On the (common) blank-dominated frame the list is
      // empty and the step below costs one blank and one repeat update per hypothesis.
      cand.length = 0;
      for (let k = 0; k < V; k++) if (this.text[k] && lp(k) >= tokenLogProbFloor) cand.push(k);
      if (cand.length > maxTokensPerFrame) {
        cand.sort((a, b) => lp(b) - lp(a));
        cand.length = maxTokensPerFrame;
      }
      const blank = lp(blankId);
      touched.length = 0;
      const touch = (p: Prefix) => {
        if (p.stamp !== t) {
          p.stamp = t;
          p.npb = NEG_INF;
          p.npnb = NEG_INF;
          touched.push(p);
        }
      };
      for (const p of beams) {
        const total = lse(p.pb, p.pnb);
        touch(p);
        p.npb = lse(p.npb, total + blank);
        // The last token repeated without a blank between collapses into the same prefix.
        if (p.token >= 0) p.npnb = lse(p.npnb, p.pnb + lp(p.token));
        for (const c of cand) {
          const lc = lp(c);
          if (c === delimiterId && p.partial === '') {
            // A delimiter where no word is open (start, or a second space) adds nothing to the
            // text; it is scored like a blank so the path is not lost.
            p.npb = lse(p.npb, (p.token === delimiterId ? p.pb : total) + lc);
            continue;
          }
          const child = this.child(p, c);
          if (!child) continue;
          touch(child);
          child.npnb = lse(child.npnb, (c === p.token ? p.pb : total) + lc);
        }
      }
      // Keep the best beamWidth hypotheses within beamDelta of the best.
      let bestScore = NEG_INF;
      for (const p of touched) {
        p.score = lse(p.npb, p.npnb) + p.lang;
        if (p.score > bestScore) bestScore = p.score;
      }
      const floor = bestScore - beamDelta;
      let next = touched.filter((p) => p.score >= floor);
      if (next.length > beamWidth) {
        next.sort((a, b) => b.score - a.score);
        next = next.slice(0, beamWidth);
      }
      for (const p of next) {
        p.pb = p.npb;
        p.pnb = p.npnb;
      }
      beams = next;
    }

    // Close the open word and the sentence, then pick the winner.
    let best: { node: Prefix; score: number } = { node: root, score: NEG_INF };
    for (const p of beams) {
      const end = p.partial !== '' ? this.child(p, delimiterId) : p;
      if (!end) continue;
      let lang = end.lang;
      const ctx = end.ctx;
      // A multi-word phrase left half-way at the end loses its pending bonus.
      if (end.boost) lang -= end.boostPending;
      if (lm && lm.eosId >= 0) lang += this.config.alpha * LN10 * lm.score(ctx, lm.eosId);
      const s = lse(p.pb, p.pnb) + lang;
      if (s > best.score) best = { node: p, score: s };
    }
    return best;
  }

  /** Every hypothesis with an open word moves to that word closed (merging where they meet). */
  private closeAtPause(beams: Prefix[]): Prefix[] {
    const acc = new Map<Prefix, { pb: number; pnb: number }>();
    const add = (q: Prefix, pb: number, pnb: number) => {
      const v = acc.get(q);
      if (v) { v.pb = lse(v.pb, pb); v.pnb = lse(v.pnb, pnb); } else acc.set(q, { pb, pnb });
    };
    for (const p of beams) {
      if (p.partial === '') { add(p, p.pb, p.pnb); continue; }
      const q = this.child(p, this.config.delimiterId);
      // The implied delimiter is followed by the blanks of the pause: the path ends in blank.
      if (q) add(q, lse(p.pb, p.pnb), NEG_INF);
    }
    for (const [q, v] of acc) { q.pb = v.pb; q.pnb = v.pnb; }
    return [...acc.keys()];
  }

  /** The prefix p + token c (cached), with its language score; null when not allowed. */
  private child(p: Prefix, c: number): Prefix | null {
    const kids = p.kids;
    if (kids) for (let i = 0; i < kids.length; i++) if (kids[i]!.token === c) return kids[i]!;
    const made = c === this.config.delimiterId ? this.closeWord(p) : this.extendWord(p, c);
    if (made) (p.kids ??= []).push(made);
    return made;
  }

  private closeWord(p: Prefix): Prefix | null {
    const { alpha, beta, unkPenalty, delimiterId } = this.config;
    const lm = this.resources.lm ?? null;
    const lexRoot = this.resources.lexicon ?? null;
    const word = p.partial;
    let lang = p.lang + beta;
    let ctx = p.ctx;
    // Boost: a phrase that goes on past this space keeps matching; one that ends here keeps its
    // bonus; one that does neither gives it back.
    let boost: TrieNode | null = null;
    let pending = 0;
    let boosted = false;
    if (p.boost) {
      const through = p.boost.child(delimiterId);
      if (p.boost.terminal) {
        // Complete: the partial credit becomes exactly the entry's bonus.
        boosted = true;
        lang += p.boost.bonus - p.boostPending;
      }
      if (through) {
        boost = through;
        pending = p.boost.terminal ? 0 : p.boostPending;
        boosted = true;
      } else if (!p.boost.terminal) {
        lang -= p.boostPending;
      }
    }
    const known = lexRoot === null || (p.lex !== null && p.lex.terminal);
    if (!known && !boosted && !p.charged) lang += unkPenalty + this.config.oovCharPenalty * word.length;
    if (lm) {
      const id = lm.wordId(word);
      let score = lm.score(ctx, id);
      // A boosted term the LM has never seen is scored like a rare word, not like <unk>.
      if (boosted && !lm.has(word)) score = Math.max(score, this.config.boostOovLog10);
      lang += alpha * LN10 * score;
      ctx = lm.next(ctx, id);
    }
    return new Prefix(p, delimiterId, '', lang, ctx, lexRoot, false, boost, pending);
  }

  private extendWord(p: Prefix, c: number): Prefix | null {
    const tok = this.text[c];
    if (!tok) return null;
    const { unkPenalty } = this.config;
    const boostRoot = this.resources.boost ?? null;
    let lang = p.lang;
    let boost: TrieNode | null = null;
    let pending = 0;
    if (p.boost) {
      const nb = p.boost.child(c);
      if (nb) {
        boost = nb;
        pending = p.boostPending + nb.weight;
        lang += nb.weight;
      } else {
        lang -= p.boostPending;
      }
    }
    if (!boost && p.partial === '' && boostRoot) {
      // A phrase can only start at a word start.
      const nb = boostRoot.child(c);
      if (nb) {
        boost = nb;
        pending = nb.weight;
        lang += nb.weight;
      }
    }
    const lexRoot = this.resources.lexicon ?? null;
    const lex = lexRoot && p.lex ? p.lex.child(c) ?? null : null;
    let charged = p.charged;
    if (lexRoot && !lex && !boost) {
      // Out of the lexicon: a word penalty once, and a cost per letter so that one long
      // invented word is not cheaper than the several real words the letters might spell.
      if (!charged) lang += unkPenalty + this.config.oovCharPenalty * (p.partial.length + 1);
      else lang += this.config.oovCharPenalty;
      charged = true;
    }
    return new Prefix(p, c, p.partial + tok, lang, p.ctx, lex, charged, boost, pending);
  }

  /**
   * Viterbi alignment of `tokens` (the winning text) to the frames: the CTC path of highest
   * probability that spells exactly this text. Gives each token its frames; a word spans its
   * first token's first frame to its last token's last frame.
   */
  align(post: Posteriors, tokens: number[]): DecodedWord[] {
    const { blankId, delimiterId } = this.config;
    const T = post.frames;
    const V = post.vocab;
    const L = tokens.length;
    if (L === 0 || T === 0) return [];
    const S = 2 * L + 1;
    const label = (s: number) => (s % 2 === 0 ? blankId : tokens[(s - 1) >> 1]!);
    let prev = new Float64Array(S).fill(NEG_INF);
    let cur = new Float64Array(S).fill(NEG_INF);
    const back = new Uint8Array(T * S); // steps back: 0, 1 or 2 states
    prev[0] = post.data[blankId]!;
    if (S > 1) prev[1] = post.data[label(1)]!;
    for (let t = 1; t < T; t++) {
      const row = t * V;
      for (let s = 0; s < S; s++) {
        const l = label(s);
        let best = prev[s]!;
        let step = 0;
        if (s >= 1 && prev[s - 1]! > best) { best = prev[s - 1]!; step = 1; }
        if (s >= 2 && l !== blankId && l !== label(s - 2) && prev[s - 2]! > best) { best = prev[s - 2]!; step = 2; }
        cur[s] = best === NEG_INF ? NEG_INF : best + post.data[row + l]!;
        back[t * S + s] = step;
      }
      [prev, cur] = [cur, prev];
    }
    let s = S > 1 && prev[S - 2]! > prev[S - 1]! ? S - 2 : S - 1;
    if (prev[s] === NEG_INF) return this.uniformWords(tokens, T);
    // Walk back: the frames of each token position (odd states).
    const first = new Int32Array(L).fill(-1);
    const last = new Int32Array(L).fill(-1);
    const peak = new Float64Array(L).fill(NEG_INF);
    for (let t = T - 1; t >= 0; t--) {
      if (s % 2 === 1) {
        const i = (s - 1) >> 1;
        first[i] = t;
        if (last[i]! < 0) last[i] = t;
        const v = post.data[t * V + tokens[i]!]!;
        if (v > peak[i]!) peak[i] = v;
      }
      if (t > 0) s -= back[t * S + s]!;
    }
    const words: DecodedWord[] = [];
    let i = 0;
    while (i < L) {
      if (tokens[i] === delimiterId) { i++; continue; }
      let j = i;
      let text = '';
      let conf = 0;
      while (j < L && tokens[j] !== delimiterId) {
        text += this.text[tokens[j]!]!;
        conf += Math.exp(peak[j]!);
        j++;
      }
      words.push({ word: text, startFrame: first[i]!, endFrame: last[j - 1]! + 1, confidence: conf / (j - i) });
      i = j;
    }
    return words;
  }

  private uniformWords(tokens: number[], T: number): DecodedWord[] {
    const text = tokens.map((t) => this.text[t] ?? '').join('').trim();
    const parts = text ? text.split(/ +/) : [];
    return parts.map((w, k) => ({
      word: w,
      startFrame: Math.floor((k * T) / parts.length),
      endFrame: Math.floor(((k + 1) * T) / parts.length),
      confidence: 0,
    }));
  }
}
