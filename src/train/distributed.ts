/**
 * Data-parallel training on torch.distributed's engine, c10d (Gloo on the CPU, NCCL on GPUs): workers meet
 * through a TCPStore that rank 0 hosts at MASTER_ADDR:MASTER_PORT, as `torchrun` and
 * `init_process_group('env://')` do, start from rank 0's weights, train their shares of each global batch and
 * average gradients before every Adam step (see native/distributed/process_group.cc and TrainBatch).
 */
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import type { Tensor } from '../torch/index.js';
import type { Device, ProcessGroupHandle } from '../torch/addon-types.js';
import { native } from '../torch/addon.js';
import { cuda } from '../torch/runtime.js';
import { checkInteger } from '../util/check.js';
import { checkRunOption, runOptionDefault } from './run-options.js';

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
  /** Where this worker trains; default cpu. With NCCL each worker needs a GPU of its own (see {@link workerDevice}). */
  device?: Device;
  /** c10d backend; default NCCL on CUDA devices when this build has it, else Gloo (CPU or CUDA tensors). */
  backend?: Backend;
  /**
   * Under torchrun, whose elastic agent hosts the rendezvous store at masterAddr:masterPort itself: every worker
   * is its client, and keys are this restart attempt's (TORCHELASTIC_RESTART_COUNT). Set by
   * {@link distributedFromEnv} from TORCHELASTIC_USE_AGENT_STORE.
   */
  agentStoreAttempt?: number;
}

/** A c10d backend: Gloo (CPU and CUDA tensors, over TCP) or NCCL (CUDA tensors, one GPU per worker). */
export type Backend = 'gloo' | 'nccl';

/** The c10d backends this build of the addon has. */
export function processGroupBackends(): Backend[] {
  return native.processGroupBackends();
}

/** A joined group of workers. */
export class ProcessGroup {
  /** @internal */
  readonly handle: ProcessGroupHandle;
  readonly rank: number;
  readonly worldSize: number;
  readonly backend: Backend;
  /** Where this worker's tensors live: the model must train there. */
  readonly device: Device;

  /** @internal Use {@link initProcessGroup}. */
  constructor(handle: ProcessGroupHandle, backend: Backend, device: Device) {
    this.handle = handle;
    this.rank = handle.rank();
    this.worldSize = handle.worldSize();
    this.backend = backend;
    this.device = device;
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
  const timeout = checkRunOption('timeout', options.timeout ?? runOptionDefault('timeout'));
  const masterAddr = options.masterAddr ?? '127.0.0.1';
  const device = options.device ?? 'cpu';
  const backend = options.backend ?? defaultBackend(device);
  // The addon checks that it has the backend and that the backend can serve the device, before anyone waits.
  const handle = await native.connectGroup({
    masterAddr,
    port,
    rank,
    worldSize,
    timeoutMs: timeout * 1000,
    backend,
    device,
    ...(options.agentStoreAttempt === undefined
      ? {}
      : { agentStoreAttempt: checkInteger('agentStoreAttempt', options.agentStoreAttempt, 0) }),
  }).promise;
  return new ProcessGroup(handle, backend, device);
}

/** NCCL for CUDA devices when this build has it (as torch.distributed picks), else Gloo. */
export function defaultBackend(device: Device): Backend {
  return device.startsWith('cuda') && processGroupBackends().includes('nccl') ? 'nccl' : 'gloo';
}

/**
 * The device a worker trains on: `cuda` means the worker's own GPU, cuda:(LOCAL_RANK mod the GPUs visible) as
 * torchrun's users pick it (`--rank` stands in when LOCAL_RANK is not set); `cpu` and `cuda:N` are kept.
 */
export function workerDevice(
  device: Device,
  rank: number,
  env: NodeJS.ProcessEnv = process.env,
  gpus: number = cuda.deviceCount(),
): Device {
  if (device !== 'cuda' || gpus < 1) return device;
  const local = env.LOCAL_RANK !== undefined && /^\d+$/.test(env.LOCAL_RANK) ? Number(env.LOCAL_RANK) : rank;
  return `cuda:${local % gpus}`;
}

/**
 * The torchrun variables (WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE and
 * TORCHELASTIC_RESTART_COUNT; LOCAL_RANK is read by {@link workerDevice}), or undefined when WORLD_SIZE is not set. Malformed values throw, naming the variable.
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
    // torchrun's agent hosts the store on MASTER_ADDR:MASTER_PORT (as torch.distributed's env:// then assumes).
    ...(env.TORCHELASTIC_USE_AGENT_STORE === 'True' ? { agentStoreAttempt: int('TORCHELASTIC_RESTART_COUNT', 0) } : {}),
  };
}

/** @internal Whether two device names mean one device (`cuda` is `cuda:0`). */
export function sameDevice(a: Device, b: Device): boolean {
  const full = (d: Device): string => (d === 'cuda' ? 'cuda:0' : d);
  return full(a) === full(b);
}

/** Rank 0's weights to every worker, so that all start from the same model. */
export async function broadcastModel(group: ProcessGroup, encoder: Encoder, decoder: Decoder): Promise<void> {
  await group.broadcast(
    [...encoder.parameters(), ...decoder.parameters()].map((p) => p.detach()),
    0,
  );
}
