// TypeBox schemas of the quality routes (operators: measured accuracy, calibration, review queue,
// dataset export) and of the customer's cohort and revision routes.
import { Type } from '@sinclair/typebox';

const TIME = Type.String({ maxLength: 40, description: 'RFC 3339 timestamp or YYYY-MM-DD (midnight UTC); until is exclusive' });
const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const QualityQuery = Type.Object({
  model_version: Type.Optional(Type.String({ maxLength: 100 })),
  domain: Type.Optional(Type.String({ maxLength: 64 })),
  account_id: Type.Optional(Type.String({ format: 'uuid' })),
  since: Type.Optional(TIME),
  until: Type.Optional(TIME),
  group_by: Type.Union([Type.Literal('model_domain'), Type.Literal('account'), Type.Literal('cohort')], {
    default: 'model_domain',
    description: 'model version and domain, + account, or + cohort attribute and value',
  }),
  cohort_attribute: Type.Optional(Type.String({ maxLength: 64, description: 'with group_by=cohort: only this attribute, e.g. accent' })),
  window: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { description: 'one group per window as well' })),
});

const QualityGroup = Type.Object({
  model_version: Type.String(),
  domain: Type.String(),
  account_id: Type.String(),
  cohort_attribute: Type.String(),
  cohort_value: Type.String(),
  window_start: Timestamp,
  corrected_jobs: Type.Integer(),
  reference_words: Type.Integer(),
  wer: Type.Number(),
  cer: Type.Number(),
  substitutions: Type.Integer(),
  deletions: Type.Integer(),
  insertions: Type.Integer(),
  domain_terms: Type.Integer(),
  domain_term_errors: Type.Integer(),
  domain_term_error_rate: Type.Number(),
});
const CohortGap = Type.Object({
  model_version: Type.String(),
  cohort_attribute: Type.String(),
  best_value: Type.String(),
  best_wer: Type.Number(),
  worst_value: Type.String(),
  worst_wer: Type.Number(),
  gap: Type.Number(),
});
export const QualityReport = Type.Object({ groups: Type.Array(QualityGroup), cohort_gaps: Type.Array(CohortGap) });

export const CalibrationQuery = Type.Object({
  model_version: Type.Optional(Type.String({ maxLength: 100 })),
  domain: Type.Optional(Type.String({ maxLength: 64 })),
  since: Type.Optional(TIME),
  until: Type.Optional(TIME),
  buckets: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'must divide 100; default 10' })),
});
export const CalibrationReport = Type.Object({
  models: Type.Array(
    Type.Object({
      model_version: Type.String(),
      words: Type.Integer(),
      corrected_jobs: Type.Integer(),
      expected_calibration_error: Type.Number(),
      buckets: Type.Array(Type.Object({ lower: Type.Number(), upper: Type.Number(), words: Type.Integer(), correct: Type.Integer(), mean_confidence: Type.Number(), accuracy: Type.Number() })),
    }),
  ),
});

export const ReviewQueueQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20, description: 'per list' })),
  model_version: Type.Optional(Type.String({ maxLength: 100 })),
  domain: Type.Optional(Type.String({ maxLength: 64 })),
  since: Type.Optional(TIME),
  max_confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'only segments below this confidence' })),
  include_corrected: Type.Optional(Type.Boolean({ default: false })),
});
const AudioSpan = Type.Object({ job_id: Type.String(), audio_key: Type.String({ description: 'S3 key of the recording' }), start: Type.Number({ description: 'seconds' }), end: Type.Number({ description: 'seconds' }) });
export const ReviewQueue = Type.Object({
  segments: Type.Array(
    Type.Object({
      account_id: Type.String(),
      job_id: Type.String(),
      segment_id: Type.Integer(),
      span: Type.Union([AudioSpan, Type.Null()]),
      confidence: Type.Number(),
      min_word_confidence: Type.Number(),
      text: Type.String(),
      model_version: Type.String(),
      domain: Type.String(),
    }),
  ),
  jobs: Type.Array(
    Type.Object({
      account_id: Type.String(),
      job_id: Type.String(),
      mean_score: Type.Number(),
      ratings: Type.Integer(),
      latest_comment: Type.String(),
      span: Type.Union([AudioSpan, Type.Null()]),
      model_version: Type.String(),
      domain: Type.String(),
      mean_confidence: Type.Number(),
    }),
  ),
});

export const ExportBody = Type.Object(
  { domain: Type.Optional(Type.String({ maxLength: 64 })), since: Type.Optional(DATE), until: Type.Optional(DATE) },
  { additionalProperties: false },
);
export const ExportResult = Type.Object({
  manifest_key: Type.String({ description: 'S3 key of the JSON-lines manifest' }),
  segments: Type.Integer(),
  jobs: Type.Integer(),
  excluded_jobs: Type.Integer({ description: 'corrected jobs left out because their account opted out' }),
  created_at: Timestamp,
});

export const CohortBody = Type.Object(
  {
    attributes: Type.Record(Type.String(), Type.String({ maxLength: 200 }), {
      propertyNames: { pattern: '^[a-z][a-z0-9_.-]*$', maxLength: 64 },
      maxProperties: 16,
      description: 'speaker or recording attributes, e.g. {"accent":"scottish","setup":"phone"}; replaces earlier ones',
    }),
  },
  { additionalProperties: false },
);
export const Cohort = Type.Object({ job_id: Type.String(), attributes: Type.Record(Type.String(), Type.String()), updated_at: Timestamp });

export const RevisionList = Type.Object({
  job_id: Type.String(),
  revisions: Type.Array(
    Type.Object({
      revision: Type.Integer({ description: '0 = the machine output' }),
      base_revision: Type.Integer(),
      user_id: Type.String(),
      edits: Type.Integer(),
      wer: Type.Number(),
      cer: Type.Number(),
      created_at: Timestamp,
    }),
  ),
});
