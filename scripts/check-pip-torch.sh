#!/usr/bin/env bash
# Builds the addon against a pip torch 2.x wheel in a scratch copy of this checkout and runs the tests closest to
# libtorch's API (tensors and modules against PyTorch, the notebook cross-check, batched and data-parallel
# training, doctor), so that a change that only Debian's libtorch 1.13 accepts shows before users of pip's torch
# meet it.
#   bash scripts/check-pip-torch.sh [WHEEL]
# WHEEL defaults to the newest CPU wheel (torch-2*+cpu*.whl), else the newest torch-2*.whl, found under
# SEQ2SEQ_WHEELS (default: /opt/wheels /opt/pypi-more/files /opt/pypi/files). With none on disk it says so and
# exits 0: machines without wheels skip the check. A CUDA wheel needs a CUDA toolkit (CUDA_PATH) for TorchConfig,
# and its nvidia-* wheels beside it to load; the check then also builds the NCCL process group.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
say() { echo "check-pip-torch: $*"; }

read -r -a dirs <<< "${SEQ2SEQ_WHEELS:-/opt/wheels /opt/pypi-more/files /opt/pypi/files}"
newest() { for d in "${dirs[@]}"; do ls -1 "$d"/$1 2>/dev/null || true; done | sort -V | tail -n 1; }
wheel=${1:-$(newest 'torch-2*+cpu*.whl')}
wheel=${wheel:-$(newest 'torch-2*.whl')}
if [ -z "$wheel" ]; then
  say "no torch 2.x wheel under ${dirs[*]}: skipped"
  exit 0
fi
[ -f "$wheel" ] || { say "$wheel: no such file"; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/pip-torch.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
say "building against $(basename "$wheel") in $scratch"
unzip -q "$wheel" 'torch/lib/*' 'torch/include/*' 'torch/share/*' -d "$scratch/site"
cmake_args=()
if ls "$scratch"/site/torch/lib/libtorch_cuda.so >/dev/null 2>&1; then
  # Its CUDA libraries (nvidia-* wheels of the same folders), where libtorch_cuda's RPATH looks for them.
  for w in $(for d in "${dirs[@]}"; do ls -1 "$d"/nvidia_*.whl 2>/dev/null || true; done); do
    unzip -q -o "$w" 'nvidia/*' -d "$scratch/site"
  done
  nvrtc=$(ls -1 "$scratch"/site/nvidia/*/lib/libnvrtc.so.* 2>/dev/null | head -n 1 || true)
  [ -n "$nvrtc" ] && cmake_args+=("-DCUDA_nvrtc_LIBRARY=$nvrtc")
fi

# The checkout's files (tracked and new, not ignored) and this checkout's node_modules.
mkdir "$scratch/src"
git ls-files -co --exclude-standard -z | tar -cf - --null -T - | tar -xf - -C "$scratch/src"
ln -s "$root/node_modules" "$scratch/src/node_modules"
cd "$scratch/src"
SEQ2SEQ_NO_APT=1 Torch_DIR="$scratch/site/torch/share/cmake/Torch" SEQ2SEQ_CMAKE_ARGS="${cmake_args[*]}" \
  node scripts/install.mjs
npx tsc -p tsconfig.build.json
node dist/cli/main.js doctor
# The PyTorch side of the comparisons stays SEQ2SEQ_PYTHON (default: Debian's /usr/bin/python3 with torch 1.13).
# test/tokens: SentencePiece's library (with its own protobuf) beside pip's libtorch (with its own); test/decode and
# the recipe's parity files: the inference path (InferenceMode, kept job threads), SGD, dropout's generator.
npx vitest run test/torch test/train/notebook.test.ts test/train/batched.test.ts test/train/distributed.test.ts \
  test/cli/doctor.test.ts test/tokens test/decode test/train/regularise.test.ts test/train/batched-optimisation.test.ts
say "the addon builds against $(basename "$wheel") and passes the tests above"
