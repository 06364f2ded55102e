// TypeBox schemas of the public API: request validation, response serialisation (no field leaks)
// and the OpenAPI document, from one definition.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DOMAINS, JOB_STATUSES } from '../domain/transcript.js';

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String({ description: 'error kind, e.g. not_found' }), message: Type.String() }) },
  { $id: 'Error', description: 'Every error has this shape' },
);

const errorRef = Type.Ref('Error');

/** Error responses a route may give, for the OpenAPI document and serialisation. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of new Set([400, 401, 500, 503, ...statuses])) out[s] = errorRef;
  return out;
}

export const DomainSchema = Type.Union(
  DOMAINS.map((d) => Type.Literal(d)),
  { description: 'decoding domain (vocabulary and language model)', default: 'general' },
);
export const StatusSchema = Type.Union(JOB_STATUSES.map((s) => Type.Literal(s)));

export const Word = Type.Object({ word: Type.String(), start: Type.Number(), end: Type.Number(), confidence: Type.Number() });
export const Segment = Type.Object({
  id: Type.Integer(),
  start: Type.Number({ description: 'seconds' }),
  end: Type.Number({ description: 'seconds' }),
  text: Type.String(),
  confidence: Type.Number(),
  words: Type.Array(Word),
});

export const ModelRef = Type.Union([Type.Object({ name: Type.String(), version: Type.String() }), Type.Null()]);

const jobFields = {
  id: Type.String({ format: 'uuid' }),
  status: StatusSchema,
  failure_reason: Type.Optional(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  completed_at: Type.Optional(Type.String({ format: 'date-time' })),
  filename: Type.String(),
  domain: Type.String(),
  vocabulary: Type.Array(Type.String()),
  duration_seconds: Type.Number(),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  queue_position: Type.Optional(Type.Integer()),
  model: ModelRef,
};

export const JobSummary = Type.Object(jobFields, { $id: 'TranscriptSummary' });

export const TranscriptView = Type.Object(
  {
    ...jobFields,
    text: Type.Optional(Type.String()),
    segments: Type.Optional(Type.Array(Segment)),
    revision: Type.Optional(Type.Integer({ description: 'the corrected revision served; absent for the machine transcript' })),
    machine_text: Type.Optional(Type.String({ description: 'the machine transcript, when a corrected revision is served' })),
  },
  { $id: 'Transcript' },
);
export type TranscriptView = Static<typeof TranscriptView>;

export const CreateTranscriptJson = Type.Object(
  {
    audio_url: Type.String({ format: 'uri', maxLength: 4096, description: 'http(s) URL the gateway fetches the audio from' }),
    domain: Type.Optional(DomainSchema),
    vocabulary: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 100 }), { maxItems: 500 }), Type.String({ maxLength: 20_000 })])),
    webhook_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
  },
  { additionalProperties: false },
);
export type CreateTranscriptJson = Static<typeof CreateTranscriptJson>;

/**
 * Multipart bodies are read as a stream by the handler, so this documents the fields rather than
 * validating them (the body is validated as {}; "file" is required all the same).
 */
export const CreateTranscriptMultipart = Type.Object({
  file: Type.Optional(Type.String({ format: 'binary', description: 'required: the audio file (WAV, FLAC, MP3, OGG/Opus, M4A/AAC, WebM)' })),
  domain: Type.Optional(DomainSchema),
  vocabulary: Type.Optional(Type.String({ description: 'JSON array or comma-separated list of words and phrases to boost' })),
  webhook_url: Type.Optional(Type.String({ format: 'uri' })),
});

export const Created = Type.Object({ id: Type.String({ format: 'uuid' }), status: Type.Literal('queued') });

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  status: Type.Optional(StatusSchema),
});

export const ListResponse = Type.Object({ data: Type.Array(Type.Ref('TranscriptSummary')), next_cursor: Type.Union([Type.String(), Type.Null()]) });

export const ExportQuery = Type.Object({ format: Type.Union([Type.Literal('txt'), Type.Literal('srt'), Type.Literal('vtt'), Type.Literal('json'), Type.Literal('docx')], { default: 'txt' }) });

export const Money = Type.Object({ micros: Type.Integer(), currency: Type.String(), amount: Type.String({ description: 'decimal amount, e.g. "10.00"' }) });

export const Balance = Type.Object({ available: Money, reserved: Money, plan: Type.String(), price_per_minute: Money });

export const UsageQuery = Type.Object({ month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM; the current month when absent' })) });

export const Usage = Type.Object({
  month: Type.String(),
  jobs: Type.Integer({ description: 'transcriptions charged this month' }),
  charged_usd: Type.Number(),
  balance_usd: Type.Union([Type.Number(), Type.Null()], { description: 'available credit now' }),
  price_per_minute_usd: Type.Union([Type.Number(), Type.Null()]),
  audio_seconds: Type.Number(),
  charged: Money,
  lines: Type.Array(Type.Object({ job_id: Type.String(), audio_seconds: Type.Number(), charged: Money, at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) })),
  balance: Type.Union([Balance, Type.Null()]),
});

export const RatingBody = Type.Object(
  {
    score: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    thumbs: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down')], { description: 'up = 5, down = 1' })),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

export const Rating = Type.Object({ job_id: Type.String(), score: Type.Integer(), comment: Type.String(), created_at: Type.Union([Type.String(), Type.Null()]) });

export const CorrectionBody = Type.Object(
  {
    base_revision: Type.Integer({ minimum: 0, description: 'the revision the edits apply to (0 = machine output)' }),
    edits: Type.Optional(
      Type.Array(
        Type.Object(
          {
            segment_id: Type.Integer({ minimum: 0 }),
            word_index: Type.Integer({ minimum: 0, description: 'index in the segment of base_revision' }),
            word: Type.String({ maxLength: 200, description: 'replace: the new word(s), empty deletes the word; insert: the word to insert' }),
            op: Type.Optional(Type.Union([Type.Literal('replace'), Type.Literal('insert')], { default: 'replace', description: 'insert puts word before word_index (= word count appends)' })),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 10_000 },
      ),
    ),
    reference_text: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2_000_000, description: 'instead of edits: the full correct text of the recording; the edits that make base_revision read as it are computed' }),
    ),
  },
  { additionalProperties: false, description: 'edits or reference_text, not both' },
);

export const Correction = Type.Object({ job_id: Type.String(), revision: Type.Integer(), wer: Type.Number(), cer: Type.Number(), created_at: Type.Union([Type.String(), Type.Null()]) });

export const WebhookSecret = Type.Object({ secret: Type.String(), signature_header: Type.String(), scheme: Type.String() });

export const ApiKey = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({ description: 'the public part of the key: vb_<prefix>_…' }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export const CreatedApiKey = Type.Object({ ...ApiKey.properties, key: Type.String({ description: 'the full key; shown only once' }) });
export const CreateApiKeyBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export const KeyIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const Account = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  data_consent: Type.Boolean({ description: 'may corrected transcripts of this account be used to improve the models' }),
});
export const AccountPatch = Type.Object({ data_consent: Type.Boolean() }, { additionalProperties: false });

export const ModelList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      id: Type.String({ description: 'the name to pass as "model"' }),
      object: Type.Literal('model'),
      created: Type.Integer(),
      owned_by: Type.String(),
      version: Type.Union([Type.String(), Type.Null()]),
      family: Type.Union([Type.String(), Type.Null()]),
      is_default: Type.Boolean(),
    }),
  ),
});

export const Health = Type.Object({ status: Type.String() });
export const Readiness = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) });

export const OpenAiError = Type.Object(
  { error: Type.Object({ message: Type.String(), type: Type.String(), param: Type.Union([Type.String(), Type.Null()]), code: Type.Union([Type.String(), Type.Null()]) }) },
  { $id: 'OpenAiError' },
);

export const OpenAiTranscriptionMultipart = Type.Object({
  file: Type.Optional(Type.String({ format: 'binary', description: 'required: the audio file' })),
  model: Type.Optional(Type.String({ description: '"whisper-1" or a Verbatim model name; anything else uses the default model' })),
  response_format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text'), Type.Literal('srt'), Type.Literal('vtt'), Type.Literal('verbose_json')])),
  prompt: Type.Optional(Type.String({ description: 'treated as vocabulary to boost' })),
  language: Type.Optional(Type.String()),
  temperature: Type.Optional(Type.Number()),
  'timestamp_granularities[]': Type.Optional(Type.Array(Type.Union([Type.Literal('word'), Type.Literal('segment')]))),
});

export const SHARED_SCHEMAS = [ErrorBody, OpenAiError, JobSummary];
