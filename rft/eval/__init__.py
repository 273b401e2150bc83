"""Evaluation: sample or read answers, grade them with a bundle, write the table and the report."""

from rft.eval.pipeline import EvalConfig, EvalResult, evaluate, grade_answers

__all__ = ["EvalConfig", "EvalResult", "evaluate", "grade_answers"]
