import { useEffect, useMemo, useRef, useState } from 'react';
import { api, type ApiError, type JobSummary } from '../lib/api';
import { bytes, clock, when } from '../lib/format';
import { onLinkClick } from '../lib/router';
import { uploadFile } from '../lib/upload';
import { csrf } from '../lib/session';

const DOMAINS = [
  ['general', 'General'],
  ['medicine', 'Medicine'],
  ['social_science', 'Social science'],
  ['software', 'Software'],
] as const;

const ACCEPT = 'audio/*,video/webm,.wav,.flac,.mp3,.ogg,.opus,.m4a,.aac,.webm';
const MAX_BYTES = 2 * 1024 ** 3;

interface PendingUpload {
  key: string;
  file: File;
  sent: number;
  error?: string;
  done?: boolean;
  controller: AbortController;
}

/** Jobs of the account, kept current by the server's event stream (no polling in the page). */
function useLiveJobs() {
  const [jobs, setJobs] = useState<Map<string, JobSummary>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [live, setLive] = useState(false);
  useEffect(() => {
    let cancelled = false;
    // When each job last changed by an event: a listing asked for before that is older news.
    const changedAt = new Map<string, number>();
    // Every page of the account's jobs (100 a page), so a batch of hundreds is all listed.
    const load = async () => {
      const askedAt = performance.now();
      const all: JobSummary[] = [];
      let cursor: string | undefined;
      do {
        const r = await api.listJobs(cursor);
        all.push(...r.data);
        cursor = r.next_cursor ?? undefined;
      } while (cursor && all.length < 5000 && !cancelled);
      if (cancelled) return;
      setJobs((prev) => {
        const fresh = (id: string) => (changedAt.get(id) ?? -1) >= askedAt;
        const next = new Map<string, JobSummary>();
        for (const j of all) {
          if (!fresh(j.id)) next.set(j.id, j);
          else if (prev.has(j.id)) next.set(j.id, prev.get(j.id)!); // keep the event's newer state (or its deletion)
        }
        for (const [id, job] of prev) if (fresh(id) && !next.has(id)) next.set(id, job); // created while listing
        return next;
      });
      setLoaded(true);
    };
    void load();
    const es = new EventSource('/v1/events');
    es.addEventListener('job', (e) => {
      const job = JSON.parse((e as MessageEvent<string>).data) as JobSummary;
      changedAt.set(job.id, performance.now());
      setJobs((prev) => new Map(prev).set(job.id, { ...prev.get(job.id), ...job }));
    });
    es.addEventListener('deleted', (e) => {
      const { id } = JSON.parse((e as MessageEvent<string>).data) as { id: string };
      changedAt.set(id, performance.now());
      setJobs((prev) => {
        const next = new Map(prev);
        next.delete(id);
        return next;
      });
    });
    es.onopen = () => {
      setLive(true);
      void load(); // catch up on anything missed while disconnected
    };
    es.onerror = () => setLive(false);
    return () => {
      cancelled = true;
      es.close();
    };
  }, []);
  const sorted = useMemo(() => [...jobs.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)), [jobs]);
  return { jobs: sorted, loaded, live, remove: (id: string) => setJobs((p) => (p.delete(id), new Map(p))) };
}

function StatusBadge({ job }: { job: JobSummary }) {
  if (job.status === 'processing') {
    const pct = Math.round((job.progress ?? 0) * 100);
    return (
      <span className="status processing">
        Transcribing {pct}%
        <span className="bar" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label={`${job.filename} transcription progress`}>
          <span style={{ width: `${pct}%` }} />
        </span>
      </span>
    );
  }
  if (job.status === 'queued') return <span className="status queued">Queued{job.queue_position ? ` · ${job.queue_position} ahead` : ''}</span>;
  if (job.status === 'failed') return <span className="status failed">Failed</span>;
  return <span className="status completed">Ready</span>;
}

export function Jobs() {
  const { jobs, loaded, live, remove } = useLiveJobs();
  const [domain, setDomain] = useState('general');
  const [vocabulary, setVocabulary] = useState('');
  const [uploads, setUploads] = useState<PendingUpload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState('all');
  const [confirming, setConfirming] = useState<JobSummary | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  // Where focus goes back to when the confirmation closes (keyboard users keep their place).
  const returnFocus = useRef<HTMLElement | null>(null);
  const openConfirm = (job: JobSummary) => {
    returnFocus.current = document.activeElement as HTMLElement | null;
    setConfirming(job);
  };
  const closeConfirm = () => {
    setConfirming(null);
    requestAnimationFrame(() => {
      const back = returnFocus.current;
      if (back?.isConnected) back.focus();
      else document.getElementById('list-h')?.focus();
    });
  };

  const patch = (key: string, p: Partial<PendingUpload>) => setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...p } : u)));

  const start = (files: FileList | File[]) => {
    const vocab = vocabulary
      .split(/[\n,]/)
      .map((w) => w.trim())
      .filter(Boolean);
    for (const file of Array.from(files)) {
      const key = `${file.name}-${file.size}-${Math.random()}`;
      const entry: PendingUpload = { key, file, sent: 0, controller: new AbortController() };
      setUploads((list) => [...list, entry]);
      if (file.size > MAX_BYTES) {
        patch(key, { error: `${bytes(file.size)} is over the ${bytes(MAX_BYTES)} limit per file` });
        continue;
      }
      if (file.size === 0) {
        patch(key, { error: 'the file is empty' });
        continue;
      }
      uploadFile(file, { domain, vocabulary: vocab, onProgress: (sent) => patch(key, { sent }), signal: entry.controller.signal }, csrf())
        .then(() => {
          patch(key, { done: true, sent: file.size });
          setTimeout(() => setUploads((list) => list.filter((u) => u.key !== key)), 4000);
        })
        .catch((e: ApiError) => patch(key, { error: e.message }));
    }
  };

  const visible = jobs.filter((j) => (status === 'all' || j.status === status) && (!query || j.filename.toLowerCase().includes(query.toLowerCase())));

  const doDelete = async (job: JobSummary) => {
    closeConfirm();
    await api.deleteJob(job.id);
    remove(job.id);
  };

  return (
    <div className="jobs">
      <section aria-labelledby="upload-h" className="panel">
        <h2 id="upload-h">New transcripts</h2>
        <div
          className={`drop${dragging ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            start(e.dataTransfer.files);
          }}
        >
          <p>
            <strong>Drop interview recordings here</strong> — as many as you like — or{' '}
            <button type="button" className="link" onClick={() => inputRef.current?.click()}>
              choose files
            </button>
          </p>
          <p className="muted small">WAV, FLAC, MP3, OGG/Opus, M4A/AAC or WebM, up to {bytes(MAX_BYTES)} each. Large files resume after a dropped connection.</p>
          <input ref={inputRef} type="file" multiple accept={ACCEPT} hidden aria-label="Choose audio files" onChange={(e) => e.target.files && start(e.target.files)} />
        </div>
        <div className="options">
          <label>
            Domain
            <select value={domain} onChange={(e) => setDomain(e.target.value)}>
              {DOMAINS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label className="grow">
            Custom vocabulary <span className="muted small">(names and terms, one per line or comma-separated)</span>
            <textarea rows={2} value={vocabulary} onChange={(e) => setVocabulary(e.target.value)} placeholder="e.g. metformin, Gini coefficient, Ractor" />
          </label>
        </div>
        {uploads.length > 0 && (
          <ul className="uploads" aria-label="Uploads in progress">
            {uploads.map((u) => {
              const pct = Math.round((u.sent / Math.max(1, u.file.size)) * 100);
              return (
                <li key={u.key} className={u.error ? 'failed' : u.done ? 'done' : ''}>
                  <span className="name">{u.file.name}</span>
                  <span className="bar" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label={`Uploading ${u.file.name}`}>
                    <span style={{ width: `${pct}%` }} />
                  </span>
                  <span className="small" role={u.error ? 'alert' : undefined}>
                    {u.error ? `Not uploaded: ${u.error}` : u.done ? 'Uploaded — queued' : `${bytes(u.sent)} of ${bytes(u.file.size)}`}
                  </span>
                  {!u.done && !u.error && (
                    <button type="button" className="ghost small" onClick={() => u.controller.abort()} aria-label={`Cancel ${u.file.name}`}>
                      Cancel
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section aria-labelledby="list-h" className="panel">
        <div className="list-head">
          <h2 id="list-h" tabIndex={-1}>
            Transcripts <span className={`live ${live ? 'on' : ''}`} title={live ? 'Updating live' : 'Reconnecting…'} aria-label={live ? 'updating live' : 'reconnecting'} />
          </h2>
          <div className="filters">
            <label className="sr-only" htmlFor="q">
              Search by file name
            </label>
            <input id="q" type="search" placeholder="Search files" value={query} onChange={(e) => setQuery(e.target.value)} />
            <label className="sr-only" htmlFor="st">
              Filter by status
            </label>
            <select id="st" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="all">All</option>
              <option value="queued">Queued</option>
              <option value="processing">Transcribing</option>
              <option value="completed">Ready</option>
              <option value="failed">Failed</option>
            </select>
          </div>
        </div>
        {!loaded ? (
          <p className="muted">Loading…</p>
        ) : visible.length === 0 ? (
          <p className="muted">{jobs.length ? 'No transcript matches.' : 'No transcripts yet: drop a recording above.'}</p>
        ) : (
          <table className="joblist">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Status</th>
                <th scope="col">Length</th>
                <th scope="col">Uploaded</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {visible.map((j) => (
                <tr key={j.id} data-job={j.id} data-status={j.status}>
                  <td className="file">
                    {j.status === 'completed' ? (
                      <a href={`/transcripts/${j.id}`} onClick={onLinkClick}>
                        {j.filename || j.id}
                      </a>
                    ) : (
                      <span>{j.filename || j.id}</span>
                    )}
                    {j.status === 'failed' && j.failure_reason && <div className="reason">{j.failure_reason}</div>}
                  </td>
                  <td>
                    <StatusBadge job={j} />
                  </td>
                  <td className="num">{j.duration_seconds ? clock(j.duration_seconds) : '—'}</td>
                  <td>{when(j.created_at)}</td>
                  <td className="actions">
                    <button type="button" className="ghost small" onClick={() => openConfirm(j)} aria-label={`Delete ${j.filename}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {confirming && (
        <div className="modal" role="dialog" aria-modal="true" aria-labelledby="del-h" onKeyDown={(e) => {
            if (e.key === 'Escape') closeConfirm();
            if (e.key !== 'Tab') return;
            // Focus stays inside the dialog while it is open.
            const buttons = e.currentTarget.querySelectorAll('button');
            const first = buttons[0];
            const last = buttons[buttons.length - 1];
            if (e.shiftKey && document.activeElement === first) {
              e.preventDefault();
              last?.focus();
            } else if (!e.shiftKey && document.activeElement === last) {
              e.preventDefault();
              first?.focus();
            }
          }}
        >
          <div className="card">
            <h2 id="del-h">Delete “{confirming.filename}”?</h2>
            <p>The recording and its transcript are removed for good. This cannot be undone.</p>
            <div className="row">
              <button type="button" className="ghost" autoFocus onClick={closeConfirm}>
                Keep it
              </button>
              <button type="button" className="danger" onClick={() => void doDelete(confirming)}>
                Delete for good
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
