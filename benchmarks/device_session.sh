#!/bin/bash
# The GPU session behind docs/results/gpu.md, as run through the device tool on a machine
# with PyTorch + transformers + numba but no hrmsearch install and no pydantic:
#   wheels for pydantic (+ pydantic_core, annotated_types, typing_inspection) in .whl/,
#   a 1,500-line reward-samples file in .devcheck/samples.jsonl (any `hrmsearch samples` output),
#   then:  bash benchmarks/device_session.sh   (writes its JSON lines to $OUT)
# It makes an importable copy of the package in /tmp/pkg (the source folders are mapped by
# pyproject's package-dir) and runs everything from /tmp so the checkout does not shadow it.
cd "$(dirname "$0")/.."; OUT=${OUT:-/tmp/device_out}; mkdir -p $OUT
if [ -d .whl ]; then python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1; fi
mkdir -p /tmp/pkg && cp -r hrmsearch /tmp/pkg/ && for d in engine search scoring benchmarks; do ln -s $PWD/$d /tmp/pkg/hrmsearch/$d; done
export PYTHONPATH=/tmp/site:/tmp/pkg PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
REPO=$PWD; cd /tmp
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee $OUT/smi.txt
python3 -c "import torch, transformers, numba; print('torch', torch.__version__, 'transformers', transformers.__version__, 'numba', numba.__version__)" | tee -a $OUT/smi.txt
timeout 200 python3 $REPO/benchmarks/device_check.py --device cuda --windows 4096 --problems 64 2>$OUT/device_check.err | tee $OUT/device_check.json
timeout 90 python3 -m hrmsearch.cli train --kind hrm --head likelihood --data $REPO/.devcheck/samples.jsonl --base $REPO/hrmsearch/assets/policy --out /tmp/devtrain --epochs 2 --device cuda 2>/dev/null | tee $OUT/train.json
timeout 30 python3 -c "
from hrmsearch.config import RewardConfig; from hrmsearch.scoring.loader import load_scorer
from hrmsearch.benchmarks.perf.scoring import mixed_windows
s = load_scorer(RewardConfig(model='/tmp/devtrain', device='cuda')); import json
print(json.dumps({'trained_on_cuda_reloads': True, 'dtype': str(next(s.model.parameters()).dtype), 'scores': [round(float(x),4) for x in s.score(mixed_windows(4, seed=1))]}))" 2>&1 | tail -1 | tee -a $OUT/train.json
timeout 150 python3 -m hrmsearch.benchmarks.perf batching --device cuda 2>/dev/null | tail -1 | tee $OUT/batching.json
timeout 60 python3 -m hrmsearch.benchmarks.perf scoring --device cuda 2>/dev/null | tail -1 | tee $OUT/scoring.json
timeout 90 python3 -c "
import json, numpy as np
from hrmsearch.assets import asset_path
from hrmsearch.config import RewardConfig; from hrmsearch.scoring.loader import load_scorer
from hrmsearch.benchmarks.perf.scoring import mixed_windows
from hrmsearch.benchmarks.device_check_scoring import ranking_agreement
w = mixed_windows(4096, seed=0); f = str(asset_path('hrm_hnc'))
ref = np.asarray(load_scorer(RewardConfig(model=f, device='cpu', dtype='float32')).score(w))
bf = np.asarray(load_scorer(RewardConfig(model=f, device='cuda')).score(w))
d = np.abs(ref - bf)
print(json.dumps({'windows': len(w), 'max_abs_diff': float(d.max()), 'p99_abs_diff': float(np.quantile(d, 0.99)), 'mean_abs_diff': float(d.mean()), 'best_of_8_same': ranking_agreement(ref, bf)}))" 2>&1 | tail -1 | tee $OUT/bf16_ranking.json
