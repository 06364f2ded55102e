// Byte-level BPE from a Hugging Face tokenizer.json (the GPT-2 scheme Whisper uses): encode
// text for prompts, decode token ids into text. Added tokens (<|endoftext|>, <|en|>, timestamps…)
// are looked up by id; plain text is never parsed for special tokens, so a customer's vocabulary
// can't inject control tokens into the prompt.

/** GPT-2 / tokenizers ByteLevel pre-tokenisation. */
const PRE_TOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

interface TokenizerJson {
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
  pre_tokenizer?: unknown;
  model: {
    type?: string;
    vocab: Record<string, number>;
    merges: Array<string | [string, string]>;
    ignore_merges?: boolean;
  };
}

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

export class WhisperTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly idToToken: Array<string | undefined>;
  private readonly ranks: Map<string, number>;
  private readonly added = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, number>();
  private readonly ignoreMerges: boolean;
  private readonly cache = new Map<string, number[]>();
  private readonly byteToChar: string[];
  private readonly charToByte: Map<string, number>;
  private readonly utf8 = new TextEncoder();
  private readonly utf8Decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(json: TokenizerJson) {
    if (!json.model || (json.model.type !== undefined && json.model.type !== 'BPE')) {
      throw new Error(`tokenizer.json: expected a BPE model, got ${json.model?.type ?? 'none'}`);
    }
    this.vocab = new Map(Object.entries(json.model.vocab));
    this.idToToken = [];
    for (const [tok, id] of this.vocab) this.idToToken[id] = tok;
    this.ranks = new Map();
    json.model.merges.forEach((m, i) => {
      const [a, b] = typeof m === 'string' ? splitMerge(m) : m;
      this.ranks.set(`${a} ${b}`, i);
    });
    for (const t of json.added_tokens ?? []) {
      this.added.set(t.id, { id: t.id, content: t.content, special: t.special ?? false });
      this.addedByContent.set(t.content, t.id);
    }
    this.ignoreMerges = json.model.ignore_merges ?? false;
    this.byteToChar = bytesToUnicode();
    this.charToByte = new Map(this.byteToChar.map((c, b) => [c, b]));
  }

  static fromJson(text: string): WhisperTokenizer {
    return new WhisperTokenizer(JSON.parse(text) as TokenizerJson);
  }

  /** Number of ids (text vocabulary and added tokens). */
  get size(): number {
    let max = this.idToToken.length - 1;
    for (const id of this.added.keys()) if (id > max) max = id;
    return max + 1;
  }

  /** Id of a token given by its text (`<|en|>`, `Ġthe`), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token) ?? this.vocab.get(token);
  }

  /** The token's string as it appears in tokenizer.json. */
  idToString(id: number): string | undefined {
    return this.added.get(id)?.content ?? this.idToToken[id];
  }

  isAdded(id: number): boolean {
    return this.added.has(id);
  }

  /** Plain-text BPE encoding (no special tokens added or recognised). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const m of text.matchAll(PRE_TOKENIZE)) {
      const piece = m[0];
      let cached = this.cache.get(piece);
      if (!cached) {
        cached = this.bpe(piece);
        if (this.cache.size < 50_000) this.cache.set(piece, cached);
      }
      ids.push(...cached);
    }
    return ids;
  }

  /** The raw bytes a text token stands for (empty for added tokens). */
  tokenBytes(id: number): Uint8Array {
    if (this.added.has(id)) return new Uint8Array(0);
    const s = this.idToToken[id];
    if (s === undefined) return new Uint8Array(0);
    const out = new Uint8Array(s.length);
    let n = 0;
    for (const ch of s) {
      const b = this.charToByte.get(ch);
      if (b !== undefined) out[n++] = b;
    }
    return out.subarray(0, n);
  }

  /** UTF-8 text of the given ids; added tokens are dropped unless `keepAdded`. */
  decode(ids: readonly number[], keepAdded = false): string {
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      if (bytes.length) out += this.utf8Decoder.decode(new Uint8Array(bytes));
      bytes = [];
    };
    for (const id of ids) {
      const a = this.added.get(id);
      if (a) {
        if (keepAdded) {
          flush();
          out += a.content;
        }
        continue;
      }
      for (const b of this.tokenBytes(id)) bytes.push(b);
    }
    flush();
    return out;
  }

  /** Decodes raw bytes (several tokens' tokenBytes joined) as the tokenizer's decoder would. */
  decodeBytes(bytes: Uint8Array): string {
    return this.utf8Decoder.decode(bytes);
  }

  private bpe(piece: string): number[] {
    const bytes = this.utf8.encode(piece);
    let word = '';
    for (const b of bytes) word += this.byteToChar[b];
    if (this.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) return [id];
    }
    let parts = Array.from(word);
    while (parts.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < parts.length - 1; i++) {
        const r = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const a = parts[best]!;
      const b = parts[best + 1]!;
      // merge every occurrence of (a, b), left to right
      const next: string[] = [];
      for (let i = 0; i < parts.length; ) {
        if (i < parts.length - 1 && parts[i] === a && parts[i + 1] === b) {
          next.push(a + b);
          i += 2;
        } else {
          next.push(parts[i]!);
          i += 1;
        }
      }
      parts = next;
    }
    const ids: number[] = [];
    for (const p of parts) {
      const id = this.vocab.get(p);
      if (id !== undefined) ids.push(id);
      else for (const ch of p) {
        // cannot happen with a complete byte alphabet; keep going rather than fail a request
        const bid = this.vocab.get(ch);
        if (bid !== undefined) ids.push(bid);
      }
    }
    return ids;
  }
}

function splitMerge(m: string): [string, string] {
  const i = m.indexOf(' ', 1);
  return [m.slice(0, i), m.slice(i + 1)];
}

/** GPT-2's reversible byte → printable character map. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i]!)));
  return out;
}
