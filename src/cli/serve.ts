/**
 * `seq2seq serve`: the translation server on a model folder. The model is loaded once, before anything listens;
 * a failure to start is one line. SIGTERM or Ctrl-C stops accepting, answers the requests in flight, and exits 0;
 * a second signal exits at once (1).
 */
import { segmentersOf, loadModel } from '../io/model-files.js';
import { describeModel } from '../model/architecture.js';
import { readApiKeys } from '../server/api-keys.js';
import type { ServerOptions } from '../server/limits.js';
import { createServer } from '../server/server.js';
import type { Device } from '../torch/index.js';

/** The flags of `seq2seq serve`. */
export interface ServeCommand {
  model: string;
  host: string;
  port: number;
  device: Device;
  source: string;
  target: string;
  maxBatch: number;
  maxWait: number;
  maxQueue: number;
  maxChars: number;
  maxSentences: number;
  timeout: number;
  beam: number;
  beamMax: number;
  maxLength: number;
  apiKeys?: string;
  cors?: boolean;
  logLevel: string;
}

/** The server's options from the flags (checked by resolveServerOptions before anything is loaded). */
export function serverOptionsOf(options: ServeCommand): ServerOptions {
  return {
    source: options.source,
    target: options.target,
    maxBatch: options.maxBatch,
    maxWait: options.maxWait,
    maxQueue: options.maxQueue,
    maxChars: options.maxChars,
    maxSentences: options.maxSentences,
    timeout: options.timeout,
    beam: options.beam,
    beamMax: options.beamMax,
    maxLength: options.maxLength,
    cors: options.cors === true,
  };
}

/** Why `listen` failed, in words. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the address is already in use',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    EADDRNOTAVAIL: 'this machine has no such address',
    ENOTFOUND: 'no such host',
  };
  const reason = (err.code && reasons[err.code]) ?? err.message;
  return new Error(`cannot listen on ${host}:${port}: ${reason}`);
}

/** Serves until SIGTERM or SIGINT; resolves with the exit code once the requests in flight are answered. */
export async function runServe(options: ServeCommand): Promise<number> {
  const apiKeys = options.apiKeys !== undefined ? readApiKeys(options.apiKeys) : undefined;
  const model = loadModel(options.model, options.device);
  const app = createServer(model, {
    ...serverOptionsOf(options),
    ...(apiKeys ? { apiKeys } : {}),
    logger: { level: options.logLevel },
  });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw listenError(err as NodeJS.ErrnoException, options.host, options.port);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const precision = model.quantized ? `${model.quantized}, ` : '';
  const kind = `${segmentersOf(model).source.kind} model, ${precision}${describeModel(model.sizes)}`;
  console.error(
    `serving ${options.model} (${kind}, ${options.source} -> ${options.target}) at http://${host}:${port}` +
      `${apiKeys ? ` for ${apiKeys.length} API key${apiKeys.length > 1 ? 's' : ''}` : ''}`,
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        console.error(`seq2seq: ${signal} again: stopping without waiting for the requests in flight`);
        process.exit(1);
      }
      stopping = true;
      console.error(`${signal}: no new requests; answering those in flight, then stopping`);
      // Requests end by their time limit; a server that still has not closed well after it is stuck.
      const deadline = setTimeout(
        () => {
          console.error(`seq2seq: requests still in flight ${options.timeout + 10} s after ${signal}: stopping`);
          process.exit(1);
        },
        (options.timeout + 10) * 1000,
      );
      deadline.unref();
      app.close().then(
        () => {
          clearTimeout(deadline);
          resolve(0);
        },
        (err: unknown) => {
          console.error(`seq2seq: ${(err as Error).message.split('\n')[0]}`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
