/**
 * How long a request may wait, and whether its client still waits: a signal per request that aborts at its time
 * limit or when the connection closes before the answer was sent, so that its queued sentences can be dropped.
 */
import type { FastifyReply } from 'fastify';

/** The reason of a request that ran out of time. */
export class RequestTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`the request took longer than ${seconds} s (the server is busy)`);
    this.name = 'RequestTimeoutError';
  }
}

/** The reason of a request whose client closed the connection before the answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/** A request's signal, and `dispose` to call once it is answered. */
export interface RequestSignal {
  signal: AbortSignal;
  dispose(): void;
}

/** A signal that aborts after `seconds`, or when the client of `reply` goes away first. */
export function requestSignal(reply: FastifyReply, seconds: number): RequestSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new RequestTimeoutError(seconds)), seconds * 1000);
  const response = reply.raw;
  const onClose = (): void => {
    if (!response.writableEnded) controller.abort(new ClientGoneError());
  };
  response.once('close', onClose);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      response.off('close', onClose);
    },
  };
}
