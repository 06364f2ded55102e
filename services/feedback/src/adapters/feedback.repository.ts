// PostgreSQL repository of the feedback schema: snapshots and revisions, ratings, cohorts, consent,
// and the aggregate queries behind quality, calibration, the review queue and export. Every query
// that reads customer data by id takes the account id too.
import { withTransaction, type Pool, type PoolClient, type Queryable } from '@verbatim/common';
import type { Accuracy } from '../domain/accuracy.js';
import type { BucketCount } from '../domain/calibration.js';
import type { AppliedEdit } from '../domain/edits.js';
import type { Window } from '../domain/periods.js';
import type { TranscriptDoc } from '../domain/transcript.js';

export interface JobRow {
  jobId: string;
  accountId: string;
  mediaId: string;
  modelName: string;
  modelVersion: string;
  domain: string;
  vocabulary: string[];
  durationSeconds: number;
  meanConfidence: number;
  completedAt: Date;
  latestRevision: number;
  provisional: boolean;
}

export interface NewJob extends Omit<JobRow, 'latestRevision' | 'provisional'> {
  provisional?: boolean;
  wordCount: number;
  transcriptKey: string;
}

export interface SegmentRow {
  segmentId: number;
  start: number;
  end: number;
  confidence: number;
  minWordConfidence: number;
  wordCount: number;
  text: string;
}

export interface RevisionRow {
  jobId: string;
  revision: number;
  baseRevision: number | null;
  userId: string;
  edits: AppliedEdit[];
  editsHash: string;
  transcript: TranscriptDoc;
  wer: number | null;
  cer: number | null;
  domainTerms: number | null;
  domainTermErrors: number | null;
  missedTerms: string[];
  createdAt: Date;
}

export interface RatingRow {
  jobId: string;
  userId: string;
  score: number;
  thumb: string;
  comment: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface JobFilter {
  modelVersion?: string;
  domain?: string;
  accountId?: string;
  since?: Date;
  until?: Date;
}

export type Grouping = 'model_domain' | 'account' | 'cohort';

export interface QualityRow {
  modelVersion: string;
  domain: string;
  accountId: string;
  cohortAttribute: string;
  cohortValue: string;
  windowStart: Date | null;
  jobs: number;
  referenceWords: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceChars: number;
  charErrors: number;
  domainTerms: number;
  domainTermErrors: number;
}

/** The jobs columns as JobRow fields, qualified by a table alias where the query joins others. */
function jobColumns(alias = ''): string {
  const p = alias ? `${alias}.` : '';
  return `${p}job_id AS "jobId", ${p}account_id AS "accountId", ${p}media_id AS "mediaId", ${p}model_name AS "modelName",
  ${p}model_version AS "modelVersion", ${p}domain, ${p}vocabulary, ${p}duration_seconds AS "durationSeconds", ${p}mean_confidence AS "meanConfidence",
  ${p}completed_at AS "completedAt", ${p}latest_revision AS "latestRevision", ${p}provisional`;
}

const REVISION_COLUMNS = `job_id AS "jobId", revision, base_revision AS "baseRevision", user_id AS "userId", edits, edits_hash AS "editsHash",
  transcript, wer, cer, domain_terms AS "domainTerms", domain_term_errors AS "domainTermErrors", missed_terms AS "missedTerms", created_at AS "createdAt"`;

/** Builds "AND ..." conditions on jobs j / a time column, appending parameters. */
function where(f: JobFilter, params: unknown[], timeColumn: string): string {
  const c: string[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    c.push(sql.replace('?', `$${params.length}`));
  };
  if (f.modelVersion) add('j.model_version = ?', f.modelVersion);
  if (f.domain) add('j.domain = ?', f.domain);
  if (f.accountId) add('j.account_id = ?', f.accountId);
  if (f.since) add(`${timeColumn} >= ?`, f.since);
  if (f.until) add(`${timeColumn} < ?`, f.until);
  return c.map((x) => ` AND ${x}`).join('');
}

const int = (v: unknown) => Number(v ?? 0);

export class FeedbackRepository {
  constructor(readonly pool: Pool) {}

  transaction<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, fn);
  }

  /** The job as recorded under any account (events are trusted), and whether it was deleted. */
  async jobState(jobId: string): Promise<{ job?: JobRow; deleted: boolean }> {
    const [jobs, tomb] = await Promise.all([
      this.pool.query<JobRow>(`SELECT ${jobColumns()} FROM jobs WHERE job_id = $1`, [jobId]),
      this.pool.query('SELECT 1 FROM deleted_jobs WHERE job_id = $1', [jobId]),
    ]);
    return { job: jobs.rows[0], deleted: !!tomb.rowCount };
  }

  /** Fills a provisional snapshot in from the completion event; undefined when it is not provisional. */
  async completeProvisional(tx: Queryable, job: NewJob): Promise<JobRow | undefined> {
    const { rows } = await tx.query<JobRow>(
      `UPDATE jobs SET media_id = $3, model_name = coalesce(nullif($4, ''), model_name), model_version = coalesce(nullif($5, ''), model_version), domain = $6,
         vocabulary = $7, duration_seconds = $8, word_count = $9, mean_confidence = $10, transcript_key = $11, completed_at = $12, provisional = false
       WHERE job_id = $1 AND account_id = $2 AND provisional
       RETURNING ${jobColumns()}`,
      [job.jobId, job.accountId, job.mediaId, job.modelName, job.modelVersion, job.domain, job.vocabulary, job.durationSeconds, job.wordCount, job.meanConfidence, job.transcriptKey, job.completedAt],
    );
    return rows[0];
  }

  /** Forgets everything about a deleted transcript and leaves a tombstone; false when already gone. */
  async deleteJob(accountId: string, jobId: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      await tx.query('INSERT INTO deleted_jobs (job_id, account_id) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING', [jobId, accountId]);
      await tx.query('DELETE FROM cohorts WHERE job_id = $1 AND account_id = $2', [jobId, accountId]);
      // Revisions, segments, quality, calibration and ratings go with the job (ON DELETE CASCADE).
      const { rowCount } = await tx.query('DELETE FROM jobs WHERE job_id = $1 AND account_id = $2', [jobId, accountId]);
      return !!rowCount;
    });
  }

  /** The job's audio is gone: exports and the review queue stop linking to it. */
  async markMediaDeleted(accountId: string, mediaId: string): Promise<number> {
    const { rowCount } = await this.pool.query('UPDATE jobs SET media_deleted = true WHERE media_id = $1 AND account_id = $2 AND NOT media_deleted', [mediaId, accountId]);
    return rowCount ?? 0;
  }

  async findJob(q: Queryable, accountId: string, jobId: string, forUpdate = false): Promise<JobRow | undefined> {
    const { rows } = await q.query<JobRow>(`SELECT ${jobColumns()} FROM jobs WHERE job_id = $1 AND account_id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [jobId, accountId]);
    return rows[0];
  }

  /** Records the machine snapshot once; false when it was already recorded (a redelivery). */
  async insertSnapshot(tx: Queryable, job: NewJob, doc: TranscriptDoc, segments: SegmentRow[]): Promise<boolean> {
    const tomb = await tx.query('SELECT 1 FROM deleted_jobs WHERE job_id = $1', [job.jobId]);
    if (tomb.rowCount) return false;
    const { rowCount } = await tx.query(
      `INSERT INTO jobs (job_id, account_id, media_id, model_name, model_version, domain, vocabulary, duration_seconds, word_count, mean_confidence, transcript_key, completed_at, provisional)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (job_id) DO NOTHING`,
      [job.jobId, job.accountId, job.mediaId, job.modelName, job.modelVersion, job.domain, job.vocabulary, job.durationSeconds, job.wordCount, job.meanConfidence, job.transcriptKey, job.completedAt, job.provisional ?? false],
    );
    if (!rowCount) return false;
    await tx.query('INSERT INTO revisions (job_id, revision, transcript) VALUES ($1, 0, $2)', [job.jobId, JSON.stringify(doc)]);
    for (let i = 0; i < segments.length; i += 500) {
      const chunk = segments.slice(i, i + 500);
      const params: unknown[] = [job.jobId];
      const values = chunk.map((s) => {
        params.push(s.segmentId, s.start, s.end, s.confidence, s.minWordConfidence, s.wordCount, s.text);
        const b = params.length - 7;
        return `($1, $${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
      });
      await tx.query(`INSERT INTO segments (job_id, segment_id, start_s, end_s, confidence, min_word_confidence, word_count, text) VALUES ${values.join(', ')}`, params);
    }
    return true;
  }

  async getRevision(q: Queryable, jobId: string, revision: number): Promise<RevisionRow | undefined> {
    const { rows } = await q.query<RevisionRow>(`SELECT ${REVISION_COLUMNS} FROM revisions WHERE job_id = $1 AND revision = $2`, [jobId, revision]);
    return rows[0];
  }

  async listRevisions(jobId: string): Promise<Omit<RevisionRow, 'transcript'>[]> {
    const { rows } = await this.pool.query<Omit<RevisionRow, 'transcript'>>(
      `SELECT job_id AS "jobId", revision, base_revision AS "baseRevision", user_id AS "userId", edits, edits_hash AS "editsHash", wer, cer,
        domain_terms AS "domainTerms", domain_term_errors AS "domainTermErrors", missed_terms AS "missedTerms", created_at AS "createdAt"
       FROM revisions WHERE job_id = $1 ORDER BY revision`,
      [jobId],
    );
    return rows;
  }

  /** Adds a revision and makes it the job's latest, with its measured accuracy and calibration counts. */
  async insertRevision(tx: Queryable, r: Omit<RevisionRow, 'createdAt'>, accuracy: Accuracy): Promise<Date> {
    const { rows } = await tx.query<{ createdAt: Date }>(
      `INSERT INTO revisions (job_id, revision, base_revision, user_id, edits, edits_hash, transcript, wer, cer, domain_terms, domain_term_errors, missed_terms)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING created_at AS "createdAt"`,
      [r.jobId, r.revision, r.baseRevision, r.userId, JSON.stringify(r.edits), r.editsHash, JSON.stringify(r.transcript), r.wer, r.cer, r.domainTerms, r.domainTermErrors, r.missedTerms],
    );
    const createdAt = rows[0]!.createdAt;
    await tx.query('UPDATE jobs SET latest_revision = $2 WHERE job_id = $1', [r.jobId, r.revision]);
    await this.saveAccuracy(tx, r.jobId, r.revision, accuracy, createdAt);
    return createdAt;
  }

  /** The measured accuracy of the job's latest revision, replacing what was measured before. */
  async saveAccuracy(tx: Queryable, jobId: string, revision: number, accuracy: Accuracy, measuredAt: Date): Promise<void> {
    await tx.query(
      `INSERT INTO job_quality (job_id, revision, reference_words, substitutions, deletions, insertions, reference_chars, char_errors, domain_terms, domain_term_errors, measured_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
       ON CONFLICT (job_id) DO UPDATE SET revision = EXCLUDED.revision, reference_words = EXCLUDED.reference_words, substitutions = EXCLUDED.substitutions,
         deletions = EXCLUDED.deletions, insertions = EXCLUDED.insertions, reference_chars = EXCLUDED.reference_chars, char_errors = EXCLUDED.char_errors,
         domain_terms = EXCLUDED.domain_terms, domain_term_errors = EXCLUDED.domain_term_errors, measured_at = EXCLUDED.measured_at`,
      [jobId, revision, accuracy.referenceWords, accuracy.substitutions, accuracy.deletions, accuracy.insertions, accuracy.referenceChars, accuracy.charErrors, accuracy.domainTerms, accuracy.domainTermErrors, measuredAt],
    );
    await tx.query('UPDATE revisions SET domain_terms = $3, domain_term_errors = $4, missed_terms = $5 WHERE job_id = $1 AND revision = $2', [
      jobId,
      revision,
      accuracy.domainTerms,
      accuracy.domainTermErrors,
      accuracy.missedTerms,
    ]);
    await tx.query('DELETE FROM job_calibration WHERE job_id = $1', [jobId]);
    if (accuracy.calibration.length) {
      const params: unknown[] = [jobId];
      const values = accuracy.calibration.map((b: BucketCount) => {
        params.push(b.bucket, b.words, b.correct, b.confidenceSum);
        const i = params.length - 4;
        return `($1, $${i + 1}, $${i + 2}, $${i + 3}, $${i + 4})`;
      });
      await tx.query(`INSERT INTO job_calibration (job_id, bucket, words, correct, confidence_sum) VALUES ${values.join(', ')}`, params);
    }
  }

  /** Inserts or replaces the user's rating; `changed` is false when it was already exactly this. */
  async upsertRating(tx: Queryable, r: { jobId: string; accountId: string; userId: string; score: number; thumb: string; comment: string }): Promise<{ row: RatingRow; changed: boolean }> {
    const before = await tx.query<{ score: number; thumb: string; comment: string }>('SELECT score, thumb, comment FROM ratings WHERE job_id = $1 AND user_id = $2 FOR UPDATE', [r.jobId, r.userId]);
    const prev = before.rows[0];
    const changed = !prev || prev.score !== r.score || prev.thumb !== r.thumb || prev.comment !== r.comment;
    const { rows } = await tx.query<RatingRow>(
      `INSERT INTO ratings (job_id, user_id, account_id, score, thumb, comment) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (job_id, user_id) DO UPDATE SET score = EXCLUDED.score, thumb = EXCLUDED.thumb, comment = EXCLUDED.comment,
         updated_at = CASE WHEN $7 THEN now() ELSE ratings.updated_at END
       RETURNING job_id AS "jobId", user_id AS "userId", score, thumb, comment, created_at AS "createdAt", updated_at AS "updatedAt"`,
      [r.jobId, r.userId, r.accountId, r.score, r.thumb, r.comment, changed],
    );
    return { row: rows[0]!, changed };
  }

  async upsertCohort(accountId: string, jobId: string, attributes: Record<string, string>): Promise<{ attributes: Record<string, string>; updatedAt: Date }> {
    const { rows } = await this.pool.query<{ attributes: Record<string, string>; updatedAt: Date }>(
      `INSERT INTO cohorts (job_id, account_id, attributes) VALUES ($1, $2, $3)
       ON CONFLICT (job_id, account_id) DO UPDATE SET attributes = EXCLUDED.attributes, updated_at = now()
       RETURNING attributes, updated_at AS "updatedAt"`,
      [jobId, accountId, JSON.stringify(attributes)],
    );
    return rows[0]!;
  }

  async getCohort(q: Queryable, accountId: string, jobId: string): Promise<Record<string, string>> {
    const { rows } = await q.query<{ attributes: Record<string, string> }>('SELECT attributes FROM cohorts WHERE job_id = $1 AND account_id = $2', [jobId, accountId]);
    return rows[0]?.attributes ?? {};
  }

  async setConsent(accountId: string, allowed: boolean, userId: string): Promise<{ exportAllowed: boolean; updatedAt: Date }> {
    const { rows } = await this.pool.query<{ exportAllowed: boolean; updatedAt: Date }>(
      `INSERT INTO consent (account_id, export_allowed, user_id) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET export_allowed = EXCLUDED.export_allowed, user_id = EXCLUDED.user_id,
         updated_at = CASE WHEN consent.export_allowed = EXCLUDED.export_allowed THEN consent.updated_at ELSE now() END
       RETURNING export_allowed AS "exportAllowed", updated_at AS "updatedAt"`,
      [accountId, allowed, userId],
    );
    return rows[0]!;
  }

  async getConsent(accountId: string): Promise<{ exportAllowed: boolean; updatedAt: Date } | undefined> {
    const { rows } = await this.pool.query<{ exportAllowed: boolean; updatedAt: Date }>('SELECT export_allowed AS "exportAllowed", updated_at AS "updatedAt" FROM consent WHERE account_id = $1', [accountId]);
    return rows[0];
  }

  /** Error counts summed per group, over corrected jobs whose latest correction falls in the filter. */
  async quality(f: JobFilter, grouping: Grouping, window?: Window, cohortAttribute?: string): Promise<QualityRow[]> {
    const params: unknown[] = [];
    const cond = where(f, params, 'q.measured_at');
    const keys = ['j.model_version', grouping === 'account' ? 'j.account_id' : "''", grouping === 'model_domain' ? 'j.domain' : "''", grouping === 'cohort' ? 'kv.key' : "''", grouping === 'cohort' ? 'kv.value' : "''"];
    let from = 'job_quality q JOIN jobs j ON j.job_id = q.job_id';
    let extra = '';
    if (grouping === 'cohort') {
      from += ' JOIN cohorts c ON c.job_id = j.job_id AND c.account_id = j.account_id CROSS JOIN LATERAL jsonb_each_text(c.attributes) AS kv(key, value)';
      if (cohortAttribute) {
        params.push(cohortAttribute);
        extra = ` AND kv.key = $${params.length}`;
      }
    }
    let windowExpr = 'NULL::timestamptz';
    if (window) {
      params.push(window);
      windowExpr = `date_trunc($${params.length}, q.measured_at, 'UTC')`;
    }
    const { rows } = await this.pool.query(
      `SELECT ${keys[0]} AS "modelVersion", ${keys[1]} AS "accountId", ${keys[2]} AS "domain", ${keys[3]} AS "cohortAttribute", ${keys[4]} AS "cohortValue",
         ${windowExpr} AS "windowStart", count(*) AS jobs, sum(q.reference_words) AS "referenceWords", sum(q.substitutions) AS substitutions,
         sum(q.deletions) AS deletions, sum(q.insertions) AS insertions, sum(q.reference_chars) AS "referenceChars", sum(q.char_errors) AS "charErrors",
         sum(q.domain_terms) AS "domainTerms", sum(q.domain_term_errors) AS "domainTermErrors"
       FROM ${from} WHERE true${cond}${extra}
       GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
      params,
    );
    return rows.map((r: Record<string, unknown>) => ({
      modelVersion: String(r.modelVersion),
      domain: String(r.domain),
      accountId: String(r.accountId),
      cohortAttribute: String(r.cohortAttribute),
      cohortValue: String(r.cohortValue),
      windowStart: (r.windowStart as Date | null) ?? null,
      jobs: int(r.jobs),
      referenceWords: int(r.referenceWords),
      substitutions: int(r.substitutions),
      deletions: int(r.deletions),
      insertions: int(r.insertions),
      referenceChars: int(r.referenceChars),
      charErrors: int(r.charErrors),
      domainTerms: int(r.domainTerms),
      domainTermErrors: int(r.domainTermErrors),
    }));
  }

  /** Fine calibration buckets summed per model version. */
  async calibration(f: JobFilter): Promise<Array<{ modelVersion: string; jobs: number; buckets: BucketCount[] }>> {
    const params: unknown[] = [];
    const cond = where(f, params, 'q.measured_at');
    const { rows } = await this.pool.query<{ modelVersion: string; bucket: number; words: string; correct: string; confidenceSum: number }>(
      `SELECT j.model_version AS "modelVersion", c.bucket, sum(c.words) AS words, sum(c.correct) AS correct, sum(c.confidence_sum) AS "confidenceSum"
       FROM job_calibration c JOIN job_quality q ON q.job_id = c.job_id JOIN jobs j ON j.job_id = c.job_id
       WHERE true${cond} GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
    const jobs = await this.pool.query<{ modelVersion: string; n: string }>(
      `SELECT j.model_version AS "modelVersion", count(*) AS n FROM job_quality q JOIN jobs j ON j.job_id = q.job_id WHERE true${cond} GROUP BY 1`,
      params,
    );
    const jobCount = new Map(jobs.rows.map((r) => [r.modelVersion, int(r.n)]));
    const out = new Map<string, { modelVersion: string; jobs: number; buckets: BucketCount[] }>();
    for (const r of rows) {
      const m = out.get(r.modelVersion) ?? { modelVersion: r.modelVersion, jobs: jobCount.get(r.modelVersion) ?? 0, buckets: [] };
      m.buckets.push({ bucket: r.bucket, words: int(r.words), correct: int(r.correct), confidenceSum: Number(r.confidenceSum) });
      out.set(r.modelVersion, m);
    }
    return [...out.values()];
  }

  /** The lowest-confidence machine segments, at most `limit` per account, interleaved by rank across accounts. */
  async reviewSegments(f: JobFilter, o: { limit: number; maxConfidence?: number; includeCorrected: boolean }) {
    const params: unknown[] = [];
    let cond = where(f, params, 'j.completed_at');
    if (o.maxConfidence !== undefined) {
      params.push(o.maxConfidence);
      cond += ` AND s.confidence < $${params.length}`;
    }
    if (!o.includeCorrected) cond += ' AND j.latest_revision = 0';
    params.push(o.limit);
    const { rows } = await this.pool.query(
      `WITH ranked AS (
         SELECT s.job_id, s.segment_id, s.start_s, s.end_s, s.confidence, s.min_word_confidence, s.text, j.account_id, j.media_id, j.model_version, j.domain,
           row_number() OVER (PARTITION BY j.account_id ORDER BY s.confidence, s.min_word_confidence, s.job_id, s.segment_id) AS rank
         FROM segments s JOIN jobs j ON j.job_id = s.job_id WHERE s.word_count > 0 AND NOT j.media_deleted${cond})
       SELECT job_id AS "jobId", segment_id AS "segmentId", start_s AS "start", end_s AS "end", confidence, min_word_confidence AS "minWordConfidence", text,
         account_id AS "accountId", media_id AS "mediaId", model_version AS "modelVersion", domain
       FROM ranked WHERE rank <= $${params.length} ORDER BY rank, confidence, account_id LIMIT $${params.length}`,
      params,
    );
    return rows as Array<{ jobId: string; segmentId: number; start: number; end: number; confidence: number; minWordConfidence: number; text: string; accountId: string; mediaId: string; modelVersion: string; domain: string }>;
  }

  /** The worst-rated jobs, at most `limit` per account, interleaved by rank across accounts. */
  async reviewJobs(f: JobFilter, limit: number) {
    const params: unknown[] = [];
    const cond = where(f, params, 'j.completed_at');
    params.push(limit);
    const { rows } = await this.pool.query(
      `WITH agg AS (
         SELECT job_id, avg(score)::float AS mean_score, count(*) AS n,
           (array_agg(comment ORDER BY updated_at DESC) FILTER (WHERE comment <> ''))[1] AS latest_comment
         FROM ratings GROUP BY job_id),
       ranked AS (
         SELECT j.job_id, j.account_id, j.media_id, j.model_version, j.domain, j.duration_seconds, j.mean_confidence, agg.mean_score, agg.n, agg.latest_comment,
           row_number() OVER (PARTITION BY j.account_id ORDER BY agg.mean_score, agg.n DESC, j.job_id) AS rank
         FROM agg JOIN jobs j ON j.job_id = agg.job_id WHERE NOT j.media_deleted${cond})
       SELECT job_id AS "jobId", account_id AS "accountId", media_id AS "mediaId", model_version AS "modelVersion", domain, duration_seconds AS "durationSeconds",
         mean_confidence AS "meanConfidence", mean_score AS "meanScore", n AS ratings, coalesce(latest_comment, '') AS "latestComment"
       FROM ranked WHERE rank <= $${params.length} ORDER BY rank, mean_score, account_id LIMIT $${params.length}`,
      params,
    );
    return (rows as Array<Record<string, unknown>>).map((r) => ({ ...r, ratings: int(r.ratings) })) as Array<{
      jobId: string; accountId: string; mediaId: string; modelVersion: string; domain: string; durationSeconds: number; meanConfidence: number; meanScore: number; ratings: number; latestComment: string;
    }>;
  }

  /**
   * Corrected jobs whose latest correction falls in the filter, split by consent: `allowed` (a page,
   * after `afterJobId`) and the count of those excluded because the account opted out.
   */
  async exportCandidates(f: JobFilter, afterJobId: string, limit: number): Promise<Array<JobRow & { revision: number; correctedAt: Date; cohort: Record<string, string> }>> {
    const params: unknown[] = [afterJobId];
    const cond = where(f, params, 'q.measured_at');
    params.push(limit);
    const { rows } = await this.pool.query(
      `SELECT ${jobColumns('j')}, q.revision, q.measured_at AS "correctedAt", coalesce(c.attributes, '{}') AS cohort
       FROM job_quality q JOIN jobs j ON j.job_id = q.job_id
       LEFT JOIN consent k ON k.account_id = j.account_id
       LEFT JOIN cohorts c ON c.job_id = j.job_id AND c.account_id = j.account_id
       WHERE coalesce(k.export_allowed, true) AND NOT j.media_deleted AND j.job_id > $1${cond}
       ORDER BY j.job_id LIMIT $${params.length}`,
      params,
    );
    return rows as Array<JobRow & { revision: number; correctedAt: Date; cohort: Record<string, string> }>;
  }

  async countExcluded(f: JobFilter): Promise<number> {
    const params: unknown[] = [];
    const cond = where(f, params, 'q.measured_at');
    const { rows } = await this.pool.query(
      `SELECT count(*) AS n FROM job_quality q JOIN jobs j ON j.job_id = q.job_id JOIN consent k ON k.account_id = j.account_id
       WHERE NOT k.export_allowed${cond}`,
      params,
    );
    return int((rows[0] as { n: unknown }).n);
  }

  async recordExport(e: { id: string; manifestKey: string; domain: string; since?: Date; until?: Date; segments: number; jobs: number; excludedJobs: number }): Promise<Date> {
    const { rows } = await this.pool.query<{ createdAt: Date }>(
      `INSERT INTO exports (id, manifest_key, domain, since, until, segments, jobs, excluded_jobs) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING created_at AS "createdAt"`,
      [e.id, e.manifestKey, e.domain, e.since ?? null, e.until ?? null, e.segments, e.jobs, e.excludedJobs],
    );
    return rows[0]!.createdAt;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
