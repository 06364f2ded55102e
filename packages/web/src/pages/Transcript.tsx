import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, audioUrl, exportUrl, type ApiError, type Transcript } from '../lib/api';
import { LOW_CONFIDENCE, clock, wordAt } from '../lib/format';
import { onLinkClick } from '../lib/router';

interface FlatWord {
  seg: number; // segment id
  idx: number; // word index within the segment
  start: number;
  end: number;
  word: string;
  confidence: number;
}

const EXPORTS = ['txt', 'srt', 'vtt', 'docx', 'json'] as const;

export function TranscriptPage({ id }: { id: string }) {
  const [t, setT] = useState<Transcript | null>(null);
  const [error, setError] = useState('');
  const [active, setActive] = useState(-1);
  const [editing, setEditing] = useState<number | null>(null);
  const [edits, setEdits] = useState<Map<number, string>>(new Map());
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState('');
  const [rating, setRating] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const audio = useRef<HTMLAudioElement>(null);
  const wordRefs = useRef<Array<HTMLSpanElement | null>>([]);

  const load = useCallback(() => api.getTranscript(id).then(setT, (e: ApiError) => setError(e.message)), [id]);
  useEffect(() => void load(), [load]);

  const words: FlatWord[] = useMemo(
    () => (t?.segments ?? []).flatMap((s) => s.words.map((w, idx) => ({ seg: s.id, idx, start: w.start, end: w.end, word: w.word, confidence: w.confidence }))),
    [t],
  );
  const starts = useMemo(() => words.map((w) => w.start), [words]);
  const uncertain = useMemo(() => words.map((w, i) => (w.confidence < LOW_CONFIDENCE ? i : -1)).filter((i) => i >= 0), [words]);

  // Follow playback: highlight the word being spoken (animation frames while playing).
  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    let frame = 0;
    const tick = () => {
      setActive(wordAt(starts, el.currentTime));
      if (!el.paused) frame = requestAnimationFrame(tick);
    };
    const onPlay = () => (frame = requestAnimationFrame(tick));
    el.addEventListener('play', onPlay);
    el.addEventListener('seeked', tick);
    el.addEventListener('timeupdate', tick);
    return () => {
      cancelAnimationFrame(frame);
      el.removeEventListener('play', onPlay);
      el.removeEventListener('seeked', tick);
      el.removeEventListener('timeupdate', tick);
    };
  }, [starts]);

  const seek = (seconds: number, play = true) => {
    const el = audio.current;
    if (!el) return;
    el.currentTime = Math.max(0, seconds);
    if (play) void el.play().catch(() => undefined);
  };

  const jumpToUncertain = useCallback(
    (dir: 1 | -1) => {
      if (!uncertain.length) return;
      const from = active;
      const next = dir > 0 ? (uncertain.find((i) => i > from) ?? uncertain[0]!) : ([...uncertain].reverse().find((i) => i < from) ?? uncertain[uncertain.length - 1]!);
      const w = words[next]!;
      seek(w.start, false);
      setActive(next);
      wordRefs.current[next]?.focus({ preventScroll: false });
    },
    [active, uncertain, words],
  );

  // Keyboard shortcuts (not while typing).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest('input, textarea, select, [contenteditable="true"]') || e.metaKey || e.ctrlKey || e.altKey) return;
      const el = audio.current;
      if (!el) return;
      if (e.key === ' ' || e.key === 'k') {
        if (target.tagName === 'BUTTON' && e.key === ' ') return;
        e.preventDefault();
        if (el.paused) void el.play().catch(() => undefined);
        else el.pause();
      } else if (e.key === 'j' || e.key === 'ArrowLeft') {
        e.preventDefault();
        seek(el.currentTime - 5, !el.paused);
      } else if (e.key === 'l' || e.key === 'ArrowRight') {
        e.preventDefault();
        seek(el.currentTime + 5, !el.paused);
      } else if (e.key === 'n') jumpToUncertain(1);
      else if (e.key === 'p') jumpToUncertain(-1);
      else if (e.key === 'e' && active >= 0) setEditing(active);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [active, jumpToUncertain]);

  // Keep the spoken word in view without yanking the page for people who prefer less motion.
  useEffect(() => {
    if (active < 0 || editing !== null || audio.current?.paused) return;
    const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
    wordRefs.current[active]?.scrollIntoView({ block: 'nearest', behavior: reduce ? 'auto' : 'smooth' });
  }, [active, editing]);

  const save = async () => {
    if (!t || !edits.size) return;
    setSaving(true);
    setNotice('');
    try {
      const list = [...edits].map(([i, word]) => ({ segment_id: words[i]!.seg, word_index: words[i]!.idx, word }));
      await api.correct(id, t.revision ?? 0, list);
      setEdits(new Map());
      await load();
      setNotice('Corrections saved.');
    } catch (e) {
      setNotice(`Not saved: ${(e as ApiError).message}`);
    } finally {
      setSaving(false);
    }
  };

  const rate = async (score: number) => {
    setRating(score);
    try {
      await api.rate(id, score, comment);
      setNotice('Thank you — your rating helps us improve.');
    } catch (e) {
      setNotice(`Rating not saved: ${(e as ApiError).message}`);
    }
  };

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!t) return <p className="muted">Loading transcript…</p>;

  let flat = 0;
  return (
    <div className="transcript">
      <div className="tr-head">
        <a href="/" onClick={onLinkClick} className="back">
          ← All transcripts
        </a>
        <h1>{t.filename || 'Transcript'}</h1>
        <p className="muted small">
          {clock(t.duration_seconds)} · {t.domain.replace('_', ' ')} · {t.model ? `${t.model.name} ${t.model.version}` : ''}
          {t.revision ? ` · revision ${t.revision}` : ''} · {uncertain.length} uncertain word{uncertain.length === 1 ? '' : 's'}
        </p>
      </div>

      <div className="player panel">
        <audio ref={audio} controls preload="metadata" src={audioUrl(id)} aria-label="Recording" />
        <div className="row wrap">
          <button type="button" className="ghost small" onClick={() => jumpToUncertain(1)} disabled={!uncertain.length}>
            Next uncertain word <kbd>n</kbd>
          </button>
          <details className="shortcuts">
            <summary>Keyboard shortcuts</summary>
            <ul>
              <li>
                <kbd>Space</kbd>/<kbd>k</kbd> play or pause
              </li>
              <li>
                <kbd>j</kbd>/<kbd>←</kbd> back 5 s, <kbd>l</kbd>/<kbd>→</kbd> forward 5 s
              </li>
              <li>
                <kbd>n</kbd>/<kbd>p</kbd> next / previous uncertain word
              </li>
              <li>
                <kbd>e</kbd> or <kbd>Enter</kbd> on a word: edit it; <kbd>Enter</kbd> keeps, <kbd>Esc</kbd> cancels
              </li>
            </ul>
          </details>
          <span className="spacer" />
          <span className="muted small">Export</span>
          {EXPORTS.map((f) => (
            <a key={f} className="button ghost small" href={exportUrl(id, f)} download>
              {f.toUpperCase()}
            </a>
          ))}
        </div>
      </div>

      <div className="text panel" aria-label="Transcript text">
        {(t.segments ?? []).map((s) => (
          <p key={s.id} className="segment">
            <button type="button" className="ts" onClick={() => seek(s.start)} aria-label={`Play from ${clock(s.start)}`}>
              {clock(s.start)}
            </button>{' '}
            {s.words.map((w) => {
              const i = flat++;
              const low = w.confidence < LOW_CONFIDENCE;
              const edited = edits.get(i);
              if (editing === i) {
                return (
                  <input
                    key={i}
                    className="word-edit"
                    autoFocus
                    defaultValue={edited ?? w.word}
                    aria-label={`Correct the word “${w.word}”`}
                    size={Math.max(3, w.word.length + 2)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') {
                        const v = e.currentTarget.value.trim();
                        setEdits((m) => {
                          const n = new Map(m);
                          if (v === w.word) n.delete(i);
                          else n.set(i, v);
                          return n;
                        });
                        setEditing(null);
                        requestAnimationFrame(() => wordRefs.current[i]?.focus());
                      } else if (e.key === 'Escape') setEditing(null);
                    }}
                    onBlur={() => setEditing(null)}
                  />
                );
              }
              return (
                <span key={i}>
                  <span
                    ref={(el) => {
                      wordRefs.current[i] = el;
                    }}
                    className={`w${i === active ? ' now' : ''}${low ? ' low' : ''}${edited !== undefined ? ' edited' : ''}`}
                    data-start={w.start}
                    tabIndex={low || edited !== undefined ? 0 : -1}
                    title={`${clock(w.start)} · confidence ${Math.round(w.confidence * 100)}%${low ? ' — please check' : ''}`}
                    onClick={() => {
                      setActive(i);
                      seek(w.start);
                    }}
                    onDoubleClick={() => setEditing(i)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') {
                        e.preventDefault();
                        setEditing(i);
                      }
                    }}
                  >
                    {edited === undefined ? w.word : edited || <s>{w.word}</s>}
                  </span>{' '}
                </span>
              );
            })}
          </p>
        ))}
      </div>

      <div className="savebar panel" aria-live="polite">
        <button type="button" className="primary" onClick={() => void save()} disabled={!edits.size || saving}>
          {saving ? 'Saving…' : edits.size ? `Save ${edits.size} correction${edits.size === 1 ? '' : 's'}` : 'No unsaved corrections'}
        </button>
        {edits.size > 0 && (
          <button type="button" className="ghost" onClick={() => setEdits(new Map())}>
            Discard
          </button>
        )}
        <span className="spacer" />
        <span className="muted small">How good is this transcript?</span>
        <button type="button" className={`ghost${rating === 5 ? ' chosen' : ''}`} aria-pressed={rating === 5} onClick={() => void rate(5)} aria-label="Good transcript">
          Good
        </button>
        <button type="button" className={`ghost${rating === 1 ? ' chosen' : ''}`} aria-pressed={rating === 1} onClick={() => void rate(1)} aria-label="Poor transcript">
          Poor
        </button>
        <label className="sr-only" htmlFor="comment">
          Comment (optional)
        </label>
        <input id="comment" placeholder="Comment (optional)" value={comment} onChange={(e) => setComment(e.target.value)} onBlur={() => rating && comment && void rate(rating)} />
        {notice && (
          <span className="notice" role="status">
            {notice}
          </span>
        )}
      </div>
    </div>
  );
}
