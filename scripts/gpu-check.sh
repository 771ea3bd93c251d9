#!/usr/bin/env bash
# On a GPU machine with a CUDA PyTorch (pip wheel) and a Node binary: builds the addon against that torch
# and runs the whole suite on `cuda`, the parity tests comparing against the same torch on the same GPU, then the
# benchmark on `cuda`.
#   bash scripts/gpu-check.sh            # node and node_modules already present
# The GPU machines used for checks have no network and no Node: bring node as .node/node.xz and carry
# node_modules (see README: Checking on a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null && [ -f .node/node.xz ]; then
  xz -dc .node/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
fi
command -v node >/dev/null || { echo "gpu-check: no node on PATH and no .node/node.xz" >&2; exit 1; }
[ -d node_modules ] || { echo "gpu-check: node_modules is missing (npm install on a networked machine, then carry it)" >&2; exit 1; }

python=${SEQ2SEQ_PYTHON:-$(command -v python3)}
"$python" -c 'import torch; assert torch.cuda.is_available(), "torch sees no CUDA device"; print("torch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))'

# Build against the python's torch (find-libtorch tries python3 first); never fall back to apt here.
export SEQ2SEQ_NO_APT=1 Torch_DIR=$("$python" -c 'import torch.utils, os; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))')
node scripts/install.mjs --rebuild
npx tsc -p tsconfig.build.json
node dist/cli/main.js doctor

status=0
SEQ2SEQ_TEST_DEVICE=cuda SEQ2SEQ_PYTHON="$python" npx vitest run --reporter=default || status=$?

# The benchmark's CUDA row (README: Benchmarks), whatever the tests said; its JSON lands in $OUT when the device
# tool provides one. SEQ2SEQ_BENCH_INSTANCES=0 skips it.
instances=${SEQ2SEQ_BENCH_INSTANCES:-1000}
if [ "$instances" != 0 ]; then
  SEQ2SEQ_PYTHON="$python" node scripts/bench.mjs --device cuda --instances "$instances" \
    --json "${OUT:-/tmp}/bench-cuda.json" || status=$?
fi
exit "$status"
