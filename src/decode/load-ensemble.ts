/** The models of a `--model` list, loaded and checked to decode together as an ensemble. */
import { loadModel, type TrainedModel } from '../io/model-files.js';
import type { Device } from '../torch/index.js';
import { ensembleMembers } from './ensemble.js';

/** Loads each folder onto `device`; several must fit together (ensemble.ts), refused naming the folder otherwise. */
export function loadEnsemble(dirs: readonly string[], device: Device): readonly TrainedModel[] {
  const members = dirs.map((dir) => loadModel(dir, device));
  return ensembleMembers(members, dirs);
}
