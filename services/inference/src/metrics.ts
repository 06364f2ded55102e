// The inference service's domain metrics, registered in one place on the service's registry
// (names verbatim_inference_<thing>_<unit>). Queue gauges are read from PostgreSQL, the system
// of record, when Prometheus scrapes.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobStatus } from './domain/jobs.js';

export interface InferenceMetrics {
  jobs: Counter<'status'>;
  jobDuration: Histogram;
  realTimeFactor: Histogram;
  audioSeconds: Counter;
  wordConfidence: Histogram;
  deadLettered: Counter;
  modelInfo: Gauge<'name' | 'version' | 'device'>;
  reconciled: Counter<'action'>;
}

export interface QueueSource {
  countByStatus(): Promise<Record<string, number>>;
  oldestQueuedAgeSeconds(): Promise<number>;
}

const STATUSES: JobStatus[] = ['queued', 'processing', 'completed', 'failed', 'deleted'];

export function createInferenceMetrics(registry: Registry, queue: QueueSource): InferenceMetrics {
  const registers = [registry];
  new Gauge({
    name: 'verbatim_inference_queue_oldest_pending_age_seconds',
    help: 'Age of the oldest queued transcription job (0 when none is queued)',
    registers,
    async collect() {
      this.set(await queue.oldestQueuedAgeSeconds().catch(() => 0));
    },
  });
  new Gauge({
    name: 'verbatim_inference_jobs_in_state',
    help: 'Transcription jobs by current status',
    labelNames: ['status'],
    registers,
    async collect() {
      const counts = await queue.countByStatus().catch(() => undefined);
      if (!counts) return;
      for (const s of STATUSES) this.labels(s).set(counts[s] ?? 0);
    },
  });
  return {
    jobs: new Counter({ name: 'verbatim_inference_jobs_total', help: 'Transcription jobs finished by this replica, by outcome', labelNames: ['status'], registers }),
    jobDuration: new Histogram({
      name: 'verbatim_inference_job_duration_seconds',
      help: 'Wall time of one transcription attempt (download, decode, inference, store)',
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    }),
    realTimeFactor: new Histogram({
      name: 'verbatim_inference_real_time_factor',
      help: 'Compute seconds per second of audio (lower is faster)',
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers,
    }),
    audioSeconds: new Counter({ name: 'verbatim_inference_audio_seconds_total', help: 'Seconds of audio transcribed', registers }),
    wordConfidence: new Histogram({
      name: 'verbatim_inference_word_confidence',
      help: 'Confidence of each recognised word (0..1)',
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1],
      registers,
    }),
    deadLettered: new Counter({ name: 'verbatim_inference_dead_lettered_total', help: 'Transcription requests dead-lettered (poison or out of retries)', registers }),
    reconciled: new Counter({
      name: 'verbatim_inference_reconciled_total',
      help: 'Jobs the reconciler acted on: reenqueued (message lost or worker gone) or failed (out of attempts)',
      labelNames: ['action'],
      registers,
    }),
    modelInfo: new Gauge({ name: 'verbatim_inference_model_info', help: 'The model this replica serves (value 1)', labelNames: ['name', 'version', 'device'], registers }),
  };
}
