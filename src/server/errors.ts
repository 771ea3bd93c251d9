/**
 * Errors as the server answers them: a status and `{"error": "..."}`, one line, as LibreTranslate does. Fastify's
 * own errors (a body that is not JSON, too large, of a type it cannot read) get the same shape; anything
 * unexpected is a 500 whose cause is logged, not a crash.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** An error that is an answer: its status, its message, and headers to send with it (Retry-After). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A 400 for a request field: `Invalid request: ...`, as LibreTranslate words it. */
export const badRequest = (message: string): HttpError => new HttpError(400, `Invalid request: ${message}`);

/** The message of Fastify's own client errors, in words a client can act on. */
function fastifyMessage(err: FastifyError, bodyLimit: number): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `Request body is too large (at most ${bodyLimit} bytes)`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type: send application/json or application/x-www-form-urlencoded';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Invalid request: the JSON body is empty';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Invalid JSON format';
    default:
      return err.message;
  }
}

/** A Fastify error handler. */
export type ErrorHandler = (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => FastifyReply;

/** The error handler of the server's routes. */
export function errorHandler(bodyLimit: number): ErrorHandler {
  return (err, request, reply) => {
    if (err instanceof HttpError) {
      return reply
        .code(err.statusCode)
        .headers(err.headers)
        .send({ error: oneLine(err.message) });
    }
    const status = (err as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 600 && status !== 500) {
      if (status >= 500) request.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: oneLine(fastifyMessage(err as FastifyError, bodyLimit)) });
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: oneLine(`Cannot translate text: ${err.message}`) });
  };
}

/** The first line of a message (libtorch's can run on). */
export function oneLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
