// Tries over the model's tokens: the lexicon (known words, so the decoder can tell a real word
// from a spelling it invented) and the boost trie (a request's domain terms and custom words or
// phrases, so that partial words earn their bonus as they are spelled).
import { normalizeText } from './text.js';

export class TrieNode {
  children: Map<number, TrieNode> | null = null;
  /** A whole entry ends here. */
  terminal = false;
  /** Partial credit per token for entries through this node: bonus / length (the largest). */
  weight = 0;
  /** At a terminal: the entry's whole bonus (nats), granted once the entry is complete. */
  bonus = 0;

  child(token: number): TrieNode | undefined {
    return this.children?.get(token);
  }

  ensure(token: number): TrieNode {
    if (!this.children) this.children = new Map();
    let n = this.children.get(token);
    if (!n) {
      n = new TrieNode();
      this.children.set(token, n);
    }
    return n;
  }
}

/** Maps characters of normalised text to token ids; null when a character has no token. */
export class Tokenizer {
  private readonly ids = new Map<string, number>();

  constructor(readonly tokens: readonly string[], readonly blankId: number, readonly delimiterId: number) {
    tokens.forEach((t, i) => {
      if (i !== blankId && i !== delimiterId && t.length === 1) this.ids.set(t.toLowerCase(), i);
    });
  }

  encode(text: string): number[] | null {
    const out: number[] = [];
    for (const ch of text) {
      const id = ch === ' ' ? this.delimiterId : this.ids.get(ch);
      if (id === undefined) return null;
      out.push(id);
    }
    return out;
  }
}

export class Lexicon {
  readonly root = new TrieNode();
  size = 0;

  constructor(private readonly tokenizer: Tokenizer) {}

  add(word: string): boolean {
    const ids = this.tokenizer.encode(word);
    if (!ids || ids.length === 0 || ids.includes(this.tokenizer.delimiterId)) return false;
    let n = this.root;
    for (const id of ids) n = n.ensure(id);
    if (!n.terminal) this.size++;
    n.terminal = true;
    return true;
  }

  /**
   * lexicon.txt: one entry per line, the word first (anything after whitespace — a spelling or
   * pronunciation — is ignored); '#' lines are comments.
   */
  addLines(text: string): void {
    for (const line of text.split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      const word = t.split(/\s+/)[0]!;
      // Lexicons are normally already normalised; skip the full rules for those (84k words).
      this.add(/^[a-z]+(?:'[a-z]+)*$/.test(word) ? word : normalizeText(word).replace(/ /g, ''));
    }
  }
}


/**
 * Boost phrases in a trie of tokens, spaces included, so "type script" is matched across the
 * word boundary. Entries are normalised like the training text; ones the model cannot spell
 * (characters outside its tokens) are skipped.
 */
export class BoostTrie {
  readonly root = new TrieNode();
  size = 0;

  constructor(private readonly tokenizer: Tokenizer) {}

  /**
   * `bonus` (nats) is what a completed entry adds to a hypothesis's score — a fixed prior per
   * term, not per letter, so long terms are not favoured over short ones. While the entry is
   * being spelled each token earns bonus/length of it, so a half-spelled term is not pruned.
   */
  add(phrase: string, bonus: number): boolean {
    const norm = normalizeText(phrase);
    if (!norm) return false;
    const ids = this.tokenizer.encode(norm);
    if (!ids) return false;
    let n = this.root;
    const share = bonus / ids.length;
    for (const id of ids) {
      n = n.ensure(id);
      n.weight = Math.max(n.weight, share);
    }
    if (!n.terminal) this.size++;
    n.terminal = true;
    n.bonus = Math.max(n.bonus, bonus);
    return true;
  }

  /** A domain file: one term or phrase per line; '#' lines and blank lines ignored. */
  addLines(text: string, bonus: number): void {
    for (const line of text.split('\n')) {
      const t = line.split('\t')[0]!.trim();
      if (t && !t.startsWith('#')) this.add(t, bonus);
    }
  }

  /** Whole words that occur in any phrase (they count as known words for the lexicon check). */
  get empty(): boolean {
    return this.size === 0;
  }
}
