// Export of corrected segments for retraining: a JSON-lines manifest in S3 under
// datasets/corrections/<date>/, one line per corrected segment with the audio span it came from.
// Accounts that opted out are left out in the query itself, so their data never reaches the file.
import { randomUUID } from 'node:crypto';
import { keys } from '@verbatim/common';
import type { Logger } from 'pino';
import type { FeedbackRepository, JobFilter } from '../adapters/feedback.repository.js';
import type { ObjectStore } from '../adapters/object-store.js';
import { parseRange, utcDate } from '../domain/periods.js';
import { asInvalid } from './errors.js';

export interface ManifestLine {
  job_id: string;
  account_id: string;
  segment_id: number;
  audio_key: string;
  start: number;
  end: number;
  text: string;
  machine_text: string;
  domain: string;
  model_name: string;
  model_version: string;
  revision: number;
  corrected_at: string;
  cohort: Record<string, string>;
}

const PAGE = 100;

export function manifestKey(date: string, domain: string): string {
  const safe = domain.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
  return domain ? `datasets/corrections/${date}/${safe}/manifest.jsonl` : `datasets/corrections/${date}/manifest.jsonl`;
}

export class ExportService {
  constructor(
    private readonly repo: FeedbackRepository,
    private readonly store: ObjectStore,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async export(q: { domain: string; since: string; until: string }) {
    const { since, until } = asInvalid(() => parseRange(q.since, q.until));
    const filter: JobFilter = { domain: q.domain || undefined, since, until };
    const lines: string[] = [];
    let jobs = 0;
    let after = '';
    for (;;) {
      const page = await this.repo.exportCandidates(filter, after, PAGE);
      for (const job of page) {
        const [machine, latest] = await Promise.all([this.repo.getRevision(this.repo.pool, job.jobId, 0), this.repo.getRevision(this.repo.pool, job.jobId, job.revision)]);
        if (!machine || !latest) continue;
        const machineText = new Map(machine.transcript.segments.map((s) => [s.id, s.text]));
        let exported = 0;
        for (const seg of latest.transcript.segments) {
          const before = machineText.get(seg.id) ?? '';
          if (seg.text === before) continue;
          const line: ManifestLine = {
            job_id: job.jobId,
            account_id: job.accountId,
            segment_id: seg.id,
            audio_key: job.mediaId ? keys.audio(job.accountId, job.mediaId) : '',
            start: seg.start,
            end: seg.end,
            text: seg.text,
            machine_text: before,
            domain: job.domain,
            model_name: job.modelName,
            model_version: job.modelVersion,
            revision: job.revision,
            corrected_at: new Date(job.correctedAt).toISOString(),
            cohort: job.cohort,
          };
          lines.push(JSON.stringify(line));
          exported++;
        }
        if (exported) jobs++;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.jobId;
    }
    const excludedJobs = await this.repo.countExcluded(filter);
    const key = manifestKey(utcDate(this.now()), q.domain);
    await this.store.putText(key, lines.length ? `${lines.join('\n')}\n` : '', 'application/x-ndjson');
    const createdAt = await this.repo.recordExport({ id: randomUUID(), manifestKey: key, domain: q.domain, since, until, segments: lines.length, jobs, excludedJobs });
    this.logger.info({ manifestKey: key, segments: lines.length, jobs, excludedJobs }, 'dataset exported');
    return { manifestKey: key, segments: lines.length, jobs, excludedJobs, createdAt };
  }
}
