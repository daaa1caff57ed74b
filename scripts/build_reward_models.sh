#!/usr/bin/env bash
# Rebuild the shipped tiny reward models (prm, hrm, hrm_hnc, orm) from scratch, seed 0.
#
#   bash scripts/build_reward_models.sh [WORKDIR]      (about 45 minutes on 2 CPU cores)
#
# 1. MCTS training trees on 300 arith train problems with the shipped policy
#    (k=4 children per expansion so HNC can apply, 16 expansions per tree, 4 Monte-Carlo
#    rollouts per new node; labels = fraction of correct rollouts through the node).
# 2. HNC over those trees (the paper's rule and defaults, seed 0).
# 3. Balanced PRM / HRM / HRM+HNC samples (split by problem, 20% held out) and ORM
#    samples from 8 sampled solutions per problem.
# 4. Four sequence-classification models, each initialised from the shipped policy,
#    trained for the same wall-clock budget; the best checkpoint by eval loss is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-runs/reward_models}
ASSETS=hrmsearch/assets
mkdir -p "$WORK/models"
export OMP_NUM_THREADS=1

hrmsearch trees --dataset arith --mode mcts --k 4 --simulations 16 --rollouts 4 --limit 300 --seed 0 \
    --out "$WORK/trees.jsonl"
hrmsearch hnc "$WORK/trees.jsonl" --out "$WORK/trees_hnc.jsonl" --seed 0
hrmsearch samples "$WORK/trees.jsonl" --kind prm --out "$WORK/prm.jsonl"
hrmsearch samples "$WORK/trees.jsonl" --kind hrm --out "$WORK/hrm.jsonl"
hrmsearch samples "$WORK/trees.jsonl" --hnc "$WORK/trees_hnc.jsonl" --kind hrm --out "$WORK/hrm_hnc.jsonl"
hrmsearch outcomes --dataset arith --n 8 --limit 300 --seed 0 --backend transformers --out "$WORK/orm.jsonl"

train() {  # NAME KIND MINUTES
    hrmsearch train --kind "$2" --data "$WORK/$1.jsonl" --base "$ASSETS/policy" --out "$WORK/models/$1" \
        --max-minutes "$3" --epochs 20 --lr 5e-4 --seed 0
}
train prm prm 24 & train hrm hrm 24 & train hrm_hnc hrm 24 & train orm orm 16 & wait

for name in prm hrm hrm_hnc orm; do
    rm -rf "${ASSETS:?}/$name" && mkdir -p "$ASSETS/$name"
    cp "$WORK/models/$name"/*.json "$WORK/models/$name"/model.safetensors "$ASSETS/$name/"
done
