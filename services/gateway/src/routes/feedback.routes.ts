// The customer's side of quality measurement beyond ratings and corrections: cohort attributes of a
// recording (to compare accuracy between groups of speakers or set-ups) and a transcript's
// revision history. Another account's transcript is a 404, as everywhere.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { accountOf } from '../http/auth.js';
import * as Q from '../http/quality.schemas.js';
import * as S from '../http/schemas.js';
import { iso } from '../services/views.js';
import type { RouteContext } from './context.js';

export const feedbackRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { clients, transcriptions } = ctx;

  app.put(
    '/v1/transcripts/:id/cohort',
    {
      schema: {
        summary: 'Describe the speakers or recording',
        description:
          'Attributes such as accent or recording set-up (keys [a-z][a-z0-9_.-]*, at most 16), used only to compare measured accuracy between groups. Replaces earlier attributes; may be set before the transcript is complete.',
        tags: ['feedback'],
        params: S.IdParams,
        body: Q.CohortBody,
        response: { 200: Q.Cohort, ...S.errorResponses(404) },
      },
    },
    async (request) => {
      const accountId = accountOf(request);
      const job = await transcriptions.getJob(accountId, request.params.id); // 404 for another account's job
      const c = await clients.feedback.setCohort({ accountId, jobId: job.id, attributes: request.body.attributes });
      return { job_id: c.jobId || job.id, attributes: c.attributes, updated_at: iso(c.updatedAt) ?? null };
    },
  );

  app.get(
    '/v1/transcripts/:id/revisions',
    {
      schema: {
        summary: "A transcript's revision history",
        description: 'Revision 0 is the machine output (never overwritten); each correction adds one, with its WER/CER against the machine output. Bodies are not included.',
        tags: ['feedback'],
        params: S.IdParams,
        response: { 200: Q.RevisionList, ...S.errorResponses(404) },
      },
    },
    async (request) => {
      const accountId = accountOf(request);
      const job = await transcriptions.getJob(accountId, request.params.id);
      const r = await clients.feedback.listRevisions({ accountId, jobId: job.id });
      return {
        job_id: r.jobId || job.id,
        revisions: r.revisions.map((v) => ({ revision: v.revision, base_revision: v.baseRevision, user_id: v.userId, edits: v.edits, wer: v.wer, cer: v.cer, created_at: iso(v.createdAt) ?? null })),
      };
    },
  );
};
