"""Grader implementations, one module per grader type, found through `registry`.

`base.py` is the contract (a validated spec in, one batch method out: scores, flags,
details); `registry.py` maps a spec's `type` to its implementation, importing built-in
modules on first use.
"""

from rft.graders.base import CompileContext, Grader, GraderOutput, run_grader
from rft.graders.registry import build_grader, grader_class, register

__all__ = [
    "CompileContext",
    "Grader",
    "GraderOutput",
    "build_grader",
    "grader_class",
    "register",
    "run_grader",
]
