// One worker of a data-parallel test job (test/train/distributed.test.ts), run from dist/:
//   node test/helpers/dp-worker.mjs '{"rank":0,"worldSize":2,"port":29600,"batch":4,"steps":20,"out":"r0.json"}'
// Trains `steps` batches one addon call at a time and writes every parameter after every step to `out`.
// Options: teacherForcing (1), seedInit (initial weights; differs per rank to show that rank 0's win),
// timeout (s), dieAfter (the step before which this worker kills itself), model ({ attention, bidirectional }),
// device (cpu; `cuda` is this worker's own GPU), backend (the default for the device), group (a group even for a
// world of 1), agentStoreAttempt (a launcher hosts the store, as torchrun's agent does), accumulate (batches per
// step, one update each: `steps` updates).
import { writeFileSync } from 'node:fs';

const torch = await import('../../dist/torch/index.js');
const { native } = await import('../../dist/torch/addon.js');
const { parseCorpus } = await import('../../dist/data/corpus.js');
const { buildDataset, samplePairs } = await import('../../dist/data/dataset.js');
const { generateDemoCorpus } = await import('../../dist/data/demo-grammar.js');
const { EOS, SOS } = await import('../../dist/data/tokenize.js');
const { buildModel } = await import('../../dist/model/architecture.js');
const { modelParts } = await import('../../dist/model/parts.js');
const { planBatches } = await import('../../dist/train/batches.js');
const { initProcessGroup, broadcastModel, workerDevice } = await import('../../dist/train/distributed.js');

const cfg = JSON.parse(process.argv[2]);
try {
  torch.setNumThreads(1);
  const text = new TextEncoder().encode(generateDemoCorpus({ pairs: 300, seed: 3 }));
  const data = buildDataset(samplePairs(parseCorpus(text, 'demo').pairs, 400, 0));
  torch.manualSeed(cfg.seedInit ?? 1);
  const sizes = { hidden: 16, embedding: 8, layers: 2, ...cfg.model };
  const device = workerDevice(cfg.device ?? 'cpu', cfg.rank);
  const built = buildModel(data.sourceVocab.size, data.targetVocab.size, sizes);
  const encoder = built.encoder.to(device);
  const decoder = built.decoder.to(device);
  const encoderOpt = new torch.optim.Adam(encoder.parameters(), { lr: 0.01 });
  const decoderOpt = new torch.optim.Adam(decoder.parameters(), { lr: 0.01 });
  const parts = modelParts(encoder, decoder, encoderOpt, decoderOpt);
  let group;
  if (cfg.worldSize > 1 || cfg.group) {
    group = await initProcessGroup({
      rank: cfg.rank,
      worldSize: cfg.worldSize,
      masterPort: cfg.port,
      timeout: cfg.timeout ?? 60,
      device,
      backend: cfg.backend,
      agentStoreAttempt: cfg.agentStoreAttempt,
    });
    await broadcastModel(group, encoder, decoder);
  }
  const batches = planBatches(
    data.sources,
    data.targets,
    data.sources.map((_, i) => i),
    1,
    {
      batchSize: cfg.batch,
      seed: 0,
      teacherForcing: cfg.teacherForcing ?? 1,
      order: 'sequential',
      shard: group ? { rank: cfg.rank, worldSize: cfg.worldSize } : undefined,
    },
  );
  const params = [...encoder.parameters(), ...decoder.parameters()];
  const snapshots = [];
  for (let step = 0; step < cfg.steps; step++) {
    if (cfg.dieAfter === step) process.kill(process.pid, 'SIGKILL');
    const accumulate = cfg.accumulate ?? 1;
    await native.trainEpoch(parts, batches.slice(step * accumulate, (step + 1) * accumulate), {
      device,
      sos: data.targetVocab.index(SOS),
      eos: data.targetVocab.index(EOS),
      teacherForcing: cfg.teacherForcing ?? 1,
      clip: 5,
      perToken: true,
      group: group?.handle,
      ...(accumulate > 1 ? { accumulate } : {}),
    }).promise;
    snapshots.push(params.flatMap((p) => p.toArray()));
  }
  writeFileSync(cfg.out, JSON.stringify(snapshots));
  process.exit(0);
} catch (err) {
  console.error(`rank ${cfg.rank}: ${err.message}`);
  process.exit(1);
}
