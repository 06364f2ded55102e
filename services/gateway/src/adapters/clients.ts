// gRPC clients of the services behind the gateway. Every call carries a deadline and the trace
// context, and its errors come back as AppErrors (common/grpc/client).
import { createClient, type Metrics, type ServiceClient } from '@verbatim/common';
import { billing, feedback, health, inference, upload } from '@verbatim/proto';

export interface Clients {
  upload: ServiceClient<typeof upload.UploadService>;
  inference: ServiceClient<typeof inference.InferenceService>;
  billing: ServiceClient<typeof billing.BillingService>;
  feedback: ServiceClient<typeof feedback.FeedbackService>;
  /** grpc.health.v1 of each dependency, for /readyz. */
  health: Record<'upload' | 'inference' | 'billing' | 'feedback', ServiceClient<typeof health.Health>>;
}

export interface ClientAddresses {
  upload: string;
  inference: string;
  billing: string;
  feedback: string;
}

export function createClients(addresses: ClientAddresses, options: { deadlineMs: number; metrics?: Metrics }): Clients {
  const o = { deadlineMs: options.deadlineMs, metrics: options.metrics };
  const probe = { deadlineMs: 2_000 };
  return {
    upload: createClient(upload.UploadService, addresses.upload, o),
    inference: createClient(inference.InferenceService, addresses.inference, o),
    billing: createClient(billing.BillingService, addresses.billing, o),
    feedback: createClient(feedback.FeedbackService, addresses.feedback, o),
    health: {
      upload: createClient(health.Health, addresses.upload, probe),
      inference: createClient(health.Health, addresses.inference, probe),
      billing: createClient(health.Health, addresses.billing, probe),
      feedback: createClient(health.Health, addresses.feedback, probe),
    },
  };
}

export function closeClients(c: Clients): void {
  for (const client of [c.upload, c.inference, c.billing, c.feedback, ...Object.values(c.health)]) client.close();
}
