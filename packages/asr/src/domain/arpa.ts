// A word n-gram language model in ARPA format (log10 probabilities, Katz/Kneser-Ney backoff
// weights), held in flat maps so that scoring a word at a word boundary is a few lookups.
//
// An n-gram w1..wk is addressed by key(index(w1..wk-1), wk) = prefixIndex * V + wk, where the
// prefix index is the row of w1..wk-1 in the (k-1)-gram table (a unigram's index is its word id).

export interface NgramModel {
  readonly order: number;
  /** Word id, or the id of <unk>, or -1 when the model has no <unk>. */
  wordId(word: string): number;
  has(word: string): boolean;
  /** log10 P(word | context) with backoff; context holds the most recent word ids, oldest first. */
  score(context: readonly number[], wordId: number): number;
  /** The context after `wordId`, trimmed to order-1 words. */
  next(context: readonly number[], wordId: number): number[];
  readonly bosId: number;
  readonly eosId: number;
  /** Words the model knows (without <s>, </s>, <unk>). */
  vocabulary(): Iterable<string>;
}

interface Table { prob: Float32Array; backoff: Float32Array; index: Map<number, number> }

/** log10 probability used for a word the model cannot score at all (no <unk> in the model). */
export const UNSCORABLE_LOG10 = -10;

export class ArpaParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArpaParseError';
  }
}

export class ArpaModel implements NgramModel {
  readonly order: number;
  readonly bosId: number;
  readonly eosId: number;
  private readonly unkId: number;

  private constructor(
    private readonly words: Map<string, number>,
    private readonly tables: Table[], // tables[k-1] holds k-grams; tables[0].index is unused
    private readonly V: number,
  ) {
    this.order = tables.length;
    this.bosId = words.get('<s>') ?? -1;
    this.eosId = words.get('</s>') ?? -1;
    this.unkId = words.get('<unk>') ?? -1;
  }

  static parse(text: string): ArpaModel {
    const b = new ArpaBuilder();
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      b.line(text.slice(start, end));
      start = end + 1;
    }
    return b.build();
  }

  /** @internal used by ArpaBuilder */
  static fromParts(words: Map<string, number>, tables: Table[], vocabSize: number): ArpaModel {
    return new ArpaModel(words, tables, vocabSize);
  }

  wordId(word: string): number {
    return this.words.get(word) ?? this.unkId;
  }

  has(word: string): boolean {
    return this.words.has(word);
  }

  *vocabulary(): Iterable<string> {
    for (const w of this.words.keys()) if (w !== '<s>' && w !== '</s>' && w !== '<unk>') yield w;
  }

  score(context: readonly number[], wordId: number): number {
    if (wordId < 0) return UNSCORABLE_LOG10;
    // Find the longest context (up to order-1 words) present as an n-gram prefix, walking from
    // the full context down; backoff weights accumulate for every context whose n-gram is absent.
    const ctx = context.length > this.order - 1 ? context.slice(context.length - (this.order - 1)) : context;
    let backoff = 0;
    for (let start = 0; start <= ctx.length; start++) {
      // context ctx[start..], candidate n-gram ctx[start..] + word
      const k = ctx.length - start; // context length
      if (k === 0) {
        const p = this.tables[0]!.prob[wordId]!;
        return backoff + (Number.isNaN(p) ? UNSCORABLE_LOG10 : p);
      }
      const prefix = this.indexOf(ctx, start);
      if (prefix < 0) continue; // context unseen: its backoff weight is 0 (log10 1)
      const row = this.tables[k]!.index.get(prefix * this.V + wordId);
      if (row !== undefined) {
        const p = this.tables[k]!.prob[row]!;
        if (!Number.isNaN(p)) return backoff + p;
      }
      backoff += this.tables[k - 1]!.backoff[prefix]!;
    }
    return backoff + UNSCORABLE_LOG10;
  }

  next(context: readonly number[], wordId: number): number[] {
    const keep = this.order - 1;
    const out = context.length >= keep ? context.slice(context.length - keep + 1) : context.slice();
    if (keep > 0) out.push(wordId);
    return out;
  }

  /** Row of the n-gram ctx[start..] in its table, or -1. */
  private indexOf(ctx: readonly number[], start: number): number {
    const V = this.V;
    let idx = ctx[start]!;
    if (idx < 0) return -1;
    for (let i = start + 1; i < ctx.length; i++) {
      const w = ctx[i]!;
      if (w < 0) return -1;
      const row = this.tables[i - start]!.index.get(idx * V + w);
      if (row === undefined) return -1;
      idx = row;
    }
    return idx;
  }
}

/** Incremental ARPA reader (feed it lines from a stream for large models). */
export class ArpaBuilder {
  private counts: number[] = [];
  private section = -1; // -1 header, 0 \data\, k>0 reading k-grams, -2 after \end\
  private words = new Map<string, number>();
  private tables: Table[] = [];
  private rows: number[] = [];

  line(raw: string): void {
    const line = raw.trim();
    if (!line) return;
    if (line === '\\data\\') { this.section = 0; return; }
    if (line === '\\end\\') { this.section = -2; return; }
    const m = /^\\(\d+)-grams:$/.exec(line);
    if (m) {
      const k = Number(m[1]);
      if (k < 1 || k > this.counts.length) throw new ArpaParseError(`unexpected section ${line}`);
      if (k === 1) this.allocate();
      this.section = k;
      return;
    }
    if (this.section === 0) {
      const c = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(line);
      if (c) this.counts[Number(c[1]) - 1] = Number(c[2]);
      return;
    }
    if (this.section > 0) this.entry(this.section, line);
  }

  build(): ArpaModel {
    if (this.tables.length === 0) throw new ArpaParseError('no n-gram sections found (not an ARPA file?)');
    return ArpaModel.fromParts(this.words, this.tables, this.counts[0]!);
  }

  private allocate() {
    if (this.counts.length === 0) throw new ArpaParseError('missing \\data\\ counts');
    this.tables = this.counts.map((n) => {
      const prob = new Float32Array(n).fill(NaN);
      return { prob, backoff: new Float32Array(n), index: new Map<number, number>() };
    });
    this.rows = this.counts.map(() => 0);
  }

  private entry(k: number, line: string) {
    const parts = line.split(/\s+/);
    if (parts.length < k + 1) throw new ArpaParseError(`bad ${k}-gram line: ${line.slice(0, 80)}`);
    const prob = Number(parts[0]);
    const backoff = parts.length > k + 1 ? Number(parts[k + 1]) : 0;
    const table = this.tables[k - 1]!;
    if (k === 1) {
      const w = parts[1]!;
      const id = this.words.size;
      if (id >= table.prob.length) throw new ArpaParseError('more 1-grams than \\data\\ declares');
      this.words.set(w, id);
      table.prob[id] = prob;
      table.backoff[id] = backoff;
      return;
    }
    const V = this.counts[0]!;
    let idx = this.words.get(parts[1]!);
    if (idx === undefined) throw new ArpaParseError(`${k}-gram uses a word with no 1-gram: ${parts[1]}`);
    for (let i = 2; i <= k; i++) {
      const w = this.words.get(parts[i]!);
      if (w === undefined) throw new ArpaParseError(`${k}-gram uses a word with no 1-gram: ${parts[i]}`);
      if (i === k) {
        const row = this.rows[k - 1]!++;
        if (row >= table.prob.length) throw new ArpaParseError(`more ${k}-grams than \\data\\ declares`);
        table.index.set(idx * V + w, row);
        table.prob[row] = prob;
        table.backoff[row] = backoff;
      } else {
        const lower = this.tables[i - 1]!;
        const row = lower.index.get(idx * V + w);
        if (row === undefined) throw new ArpaParseError(`${k}-gram without its prefix ${i}-gram: ${line.slice(0, 80)}`);
        idx = row;
      }
    }
  }
}
