"""Reading answers out of model outputs and comparing them, for the `numeric` grader.

One module per job, in import order:

- `evaluate`: values of constant expression trees (exact `Fraction` where rational, mpmath
  at 128 bits otherwise; sizes bounded before computing, so `9^9^9^9` is refused at once);
- `notation`: surface notation to the parser's ASCII grammar (unicode, LaTeX, mixed numbers,
  grouped thousands) and the unit table;
- `parse`: one number or expression (`Parsed`), by regex + `Fraction` first, then rft's own
  parser (user text never reaches `eval` or sympy's `parse_expr`);
- `structures`: intervals, unions, sets, tuples, several solutions, `\\pm`, equations;
- `extract`: which part of an output is the answer (boxes, markers, tags, the last number);
- `sympy_worker`: sympy decisions in a bounded worker process (no signals; thread-safe);
- `compare`: the tolerance rule and structure-by-structure comparison.

sympy is imported only inside the worker process, never by `import rft`.
"""

from __future__ import annotations

from rft.numbers.compare import PARTIAL_MAX, Tolerances, score, score_scalar
from rft.numbers.evaluate import MAX_DIGITS, TooLarge
from rft.numbers.extract import (
    Extract,
    boxed_contents,
    clear_caches,
    extract_answer,
    last_number,
    parse_reference,
)
from rft.numbers.notation import normalize, unit_of
from rft.numbers.parse import Parsed, parse_expression
from rft.numbers.structures import (
    WHOLE_TEXT_MAX_CHARS,
    Ambiguous,
    Answer,
    Bracketed,
    Collection,
    Equation,
    Union,
    parse_answer,
)
from rft.numbers.sympy_worker import SympyTimeout, SympyWorker, sympy_decide, sympy_worker


class _CandidateCache:
    """`benchmarks/vs_peers.py` calls `rft.numbers._candidate_cached.cache_clear()` (the old
    module's memo); this keeps that call working until the benchmark calls `clear_caches`."""

    @staticmethod
    def cache_clear() -> None:
        clear_caches()


_candidate_cached = _CandidateCache()

__all__ = [
    "MAX_DIGITS",
    "PARTIAL_MAX",
    "WHOLE_TEXT_MAX_CHARS",
    "Ambiguous",
    "Answer",
    "Bracketed",
    "Collection",
    "Equation",
    "Extract",
    "Parsed",
    "SympyTimeout",
    "SympyWorker",
    "Tolerances",
    "TooLarge",
    "Union",
    "boxed_contents",
    "clear_caches",
    "extract_answer",
    "last_number",
    "normalize",
    "parse_answer",
    "parse_expression",
    "parse_reference",
    "score",
    "score_scalar",
    "sympy_decide",
    "sympy_worker",
    "unit_of",
]
