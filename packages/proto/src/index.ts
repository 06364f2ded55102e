// One entry point for every generated message, enum and service descriptor.
export * as common from './gen/verbatim/common/v1/transcript_pb.js';
export * as upload from './gen/verbatim/upload/v1/upload_pb.js';
export * as inference from './gen/verbatim/inference/v1/inference_pb.js';
export * as billing from './gen/verbatim/billing/v1/billing_pb.js';
export * as feedback from './gen/verbatim/feedback/v1/feedback_pb.js';
export * as events from './gen/verbatim/events/v1/events_pb.js';
export * as health from './gen/grpc/health/v1/health_pb.js';
