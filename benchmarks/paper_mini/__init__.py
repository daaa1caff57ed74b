"""``hrmsearch paper-mini``: the HRM paper's claims reproduced in miniature on `arith`, with intervals.

Modules, one per piece:

- ``options``: the call's options, the reward configs compared, the folder layout and ``run.json``;
- ``pools``: one shared candidate pool per seed and each candidate's score per reward config;
- ``search``: step_greedy / beam / MCTS run live through the ``hrmsearch bench`` harness;
- ``cells``: the table cells (0/1 outcomes per seed and problem, tokens per problem);
- ``bootstrap``: 95% bootstrap intervals over problems, seeds averaged inside each resample;
- ``self_correction``: recovered-correct vs wrong trajectories, pairwise win rates per reward config;
- ``report``: ``summary.md``, ``accuracy_vs_n.png``, ``accuracy_vs_tokens.png``, the headline JSON;
- ``run``: the orchestration (per seed: pool -> scores -> search; then the reports).
"""

from hrmsearch.benchmarks.paper_mini.options import PaperMiniOptions
from hrmsearch.benchmarks.paper_mini.run import run_paper_mini

__all__ = ["PaperMiniOptions", "run_paper_mini"]
