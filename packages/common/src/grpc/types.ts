// Types that connect protobuf-es service descriptors to handler and client signatures.
import type { DescMessage, DescMethod, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { Metadata } from '@grpc/grpc-js';
import type { Logger } from 'pino';

export type AnyService = GenService<GenServiceMethods>;

type In<M> = M extends { input: infer I extends DescMessage } ? I : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? O : never;

export interface CallContext {
  metadata: Metadata;
  /** Aborted when the caller cancels or its deadline passes. */
  signal: AbortSignal;
  deadline: Date | undefined;
  logger: Logger;
}

export type MethodImpl<M> = M extends { methodKind: 'unary' }
  ? (req: MessageShape<In<M>>, ctx: CallContext) => Promise<MessageInitShape<Out<M>>>
  : M extends { methodKind: 'client_streaming' }
    ? (reqs: AsyncIterable<MessageShape<In<M>>>, ctx: CallContext) => Promise<MessageInitShape<Out<M>>>
    : M extends { methodKind: 'server_streaming' }
      ? (req: MessageShape<In<M>>, ctx: CallContext) => AsyncIterable<MessageInitShape<Out<M>>>
      : (reqs: AsyncIterable<MessageShape<In<M>>>, ctx: CallContext) => AsyncIterable<MessageInitShape<Out<M>>>;

export type ServiceImpl<S extends AnyService> = { [K in keyof S['method']]: MethodImpl<S['method'][K]> };

export interface CallOptions {
  deadlineMs?: number;
  signal?: AbortSignal;
}

export type ClientMethod<M> = M extends { methodKind: 'unary' }
  ? (req: MessageInitShape<In<M>>, opts?: CallOptions) => Promise<MessageShape<Out<M>>>
  : M extends { methodKind: 'client_streaming' }
    ? (reqs: AsyncIterable<MessageInitShape<In<M>>>, opts?: CallOptions) => Promise<MessageShape<Out<M>>>
    : M extends { methodKind: 'server_streaming' }
      ? (req: MessageInitShape<In<M>>, opts?: CallOptions) => AsyncIterable<MessageShape<Out<M>>>
      : (reqs: AsyncIterable<MessageInitShape<In<M>>>, opts?: CallOptions) => AsyncIterable<MessageShape<Out<M>>>;

export type ServiceClient<S extends AnyService> = { [K in keyof S['method']]: ClientMethod<S['method'][K]> } & {
  close(): void;
  /** Resolves once the channel is connected, or rejects after deadlineMs. */
  waitForReady(deadlineMs?: number): Promise<void>;
};

export type { DescMethod };
