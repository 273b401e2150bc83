"""Grader implementations, one module per family, found through `registry`."""

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
