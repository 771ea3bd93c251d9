/**
 * Data-parallel training on torch.distributed's engine, c10d (Gloo on the CPU): workers meet through a
 * TCPStore that rank 0 hosts at MASTER_ADDR:MASTER_PORT, as `torchrun` and `init_process_group('env://')` do,
 * start from rank 0's weights, train their shares of each global batch and average gradients before every
 * Adam step (see native/process_group.cc and TrainBatch).
 */
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import type { Tensor } from '../torch/index.js';
import { native, type ProcessGroupHandle } from '../torch/native.js';
import { checkInteger, checkNumber } from '../util/check.js';

/** Where and how a worker joins its job. */
export interface DistributedOptions {
  worldSize: number;
  rank: number;
  /** Host of rank 0, which hosts the rendezvous store; default 127.0.0.1. */
  masterAddr?: string;
  /** Port of the store; default 29500 (torchrun's). */
  masterPort?: number;
  /** Seconds to wait for the other workers, and for any collective; default 300. */
  timeout?: number;
}

/** A joined group of workers. */
export class ProcessGroup {
  /** @internal */
  readonly handle: ProcessGroupHandle;
  readonly rank: number;
  readonly worldSize: number;

  /** @internal Use {@link initProcessGroup}. */
  constructor(handle: ProcessGroupHandle) {
    this.handle = handle;
    this.rank = handle.rank();
    this.worldSize = handle.worldSize();
  }

  /** Copies `root`'s values of `tensors` into every worker's, in place. */
  async broadcast(tensors: readonly Tensor[], root = 0): Promise<void> {
    await native.broadcastTensors(
      this.handle,
      tensors.map((t) => t.handle),
      root,
    ).promise;
  }

  /** Sums `tensors` over the workers, in place. */
  async allReduce(tensors: readonly Tensor[]): Promise<void> {
    await native.allReduceTensors(
      this.handle,
      tensors.map((t) => t.handle),
    ).promise;
  }

  /** Leaves the group (its sockets close once no training job uses it). */
  close(): void {
    this.handle.close();
  }
}

/**
 * Joins the job: resolves once all `worldSize` workers have met, or rejects after `timeout` seconds with an
 * error that says who could not meet whom. Runs off the main thread.
 */
export async function initProcessGroup(options: DistributedOptions): Promise<ProcessGroup> {
  const worldSize = checkInteger('worldSize', options.worldSize, 1);
  const rank = checkInteger('rank', options.rank, 0, worldSize - 1);
  const port = checkInteger('masterPort', options.masterPort ?? 29500, 1, 65535);
  const timeout = checkNumber('timeout', options.timeout ?? 300, 0.001);
  const masterAddr = options.masterAddr ?? '127.0.0.1';
  if (!native.hasGloo()) {
    throw new Error('this build has no Gloo: install libgloo-dev and rebuild (npm rebuild seq2seq-node)');
  }
  const handle = await native.connectGroup({ masterAddr, port, rank, worldSize, timeoutMs: timeout * 1000 }).promise;
  return new ProcessGroup(handle);
}

/**
 * The torchrun variables (WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT; LOCAL_RANK is read by callers that pick
 * a GPU), or undefined when WORLD_SIZE is not set. Malformed values throw, naming the variable.
 */
export function distributedFromEnv(env: NodeJS.ProcessEnv = process.env): DistributedOptions | undefined {
  if (env.WORLD_SIZE === undefined) return undefined;
  const int = (name: string, min: number): number => {
    const value = env[name];
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) {
      throw new Error(`${name}=${value ?? ''} is not an integer of at least ${min}`);
    }
    return Number(value);
  };
  return {
    worldSize: int('WORLD_SIZE', 1),
    rank: int('RANK', 0),
    masterAddr: env.MASTER_ADDR ?? '127.0.0.1',
    masterPort: env.MASTER_PORT === undefined ? 29500 : int('MASTER_PORT', 1),
  };
}

/** Rank 0's weights to every worker, so that all start from the same model. */
export async function broadcastModel(group: ProcessGroup, encoder: Encoder, decoder: Decoder): Promise<void> {
  await group.broadcast(
    [...encoder.parameters(), ...decoder.parameters()].map((p) => p.detach()),
    0,
  );
}
