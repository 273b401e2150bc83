"""Which process of a multi-process run this is, as accelerate sees it.

`accelerate launch --multi_gpu --num_processes N -m rft.cli.main train JOB` (or `torchrun`)
starts N copies of `rft train`; each trains on its share of every batch (data parallel). The
run folder is shared, so files are written by the main process only (`metrics.jsonl`,
`job.json`, evals, `best/`, `final/`, `summary.json`, the warm-up model); the others wait at
`wait()` where they must read what it wrote. One process: everything is the main process.
"""

from __future__ import annotations

from typing import Any

from rft.train.config import JobConfig
from rft.train.trainers import use_cpu


class Processes:
    """accelerate's `PartialState` for a job (the same state its trainers use)."""

    def __init__(self, job: JobConfig) -> None:
        from accelerate import PartialState  # heavy: imports torch

        # `cpu` must match the trainers' `use_cpu`: the state is created once per process, and
        # without it a CPU-only multi-process launch would be taken for one process.
        self.state: Any = PartialState(cpu=use_cpu(job))

    @property
    def is_main(self) -> bool:
        """True in the process that writes the run folder's files."""
        return bool(self.state.is_main_process)

    @property
    def count(self) -> int:
        return int(self.state.num_processes)

    def gather(self, value: Any) -> list[Any]:
        """`value` of every process, in process order, in every process (a collective call)."""
        if self.count == 1:
            return [value]
        from accelerate.utils import gather_object  # heavy: imports torch

        return list(gather_object([value]))

    def wait(self) -> None:
        """Block until every process reaches this point (a no-op in a one-process run)."""
        self.state.wait_for_everyone()
