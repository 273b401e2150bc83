"""Cost of the hostile-input limits: templates, extraction and regexes, side by side in one process.

Each row times the same work two ways on N synthetic samples (default 20,000):

- templates: rft's bounded sandbox (`rft.templates.compile_template`) vs plain jinja2
  `SandboxedEnvironment` (what rft used before the limits), for a judge-prompt-like render
  with a loop, and for the fast path (`{{ sample.output_text | extract_tag('answer') }}`,
  no jinja at all: it should not change);
- extraction: `extract_tag` (two reverse scans) vs the old non-greedy regex, per sample and
  through the fast path's column evaluation (`Batch.render`, which adds its own overhead);
- regex: RE2 (`rft.safe_regex`) vs Python's `re` on an ordinary pattern.

    python benchmarks/template_limits.py           # 20k samples
    python benchmarks/template_limits.py --n 5000  # quicker
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from rft.batch import Batch
from rft.extraction import FILTERS, extract_tag
from rft.safe_regex import compile_regex
from rft.templates import compile_template

PROMPT = (
    "Question: {{ item.question }}\nCandidates:\n"
    "{% for c in item.candidates %}- {{ c }}\n{% endfor %}"
    "Answer: {{ sample.output_text }}"
)
FAST = "{{ sample.output_text | extract_tag('answer') }}"


def _best(fn: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    n = parser.parse_args().n
    items = [
        {"question": f"What is {i} + {i}?", "candidates": [str(i + k) for k in range(5)]}
        for i in range(n)
    ]
    texts = [f"Let me think ... {i} <answer>{2 * i}</answer> done." for i in range(n)]
    namespaces = [
        {"item": it, "sample": {"output_text": t}} for it, t in zip(items, texts, strict=True)
    ]

    plain = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    plain.filters.update(FILTERS)
    old_template = plain.from_string(PROMPT)
    new_template = compile_template(PROMPT)
    assert [old_template.render(ns) for ns in namespaces[:50]] == [
        new_template(ns) for ns in namespaces[:50]
    ]
    fast = compile_template(FAST)
    assert fast.kind == "getter"
    old_tag = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
    old_regex = re.compile(r"(\d+)</answer>")
    new_regex = compile_regex(r"(\d+)</answer>")

    rows = [
        (
            "render with a loop (per sample)",
            _best(lambda: [old_template.render(ns) for ns in namespaces]),
            _best(lambda: [new_template(ns) for ns in namespaces]),
        ),
        (
            "fast path extract_tag (batch column)",
            _best(lambda: [old_tag.findall(t)[-1].strip() for t in texts]),
            _best(lambda: Batch(texts, [{}] * n).render(fast)),
        ),
        (
            "extract_tag (per sample)",
            _best(lambda: [old_tag.findall(t)[-1].strip() for t in texts]),
            _best(lambda: [extract_tag(t) for t in texts]),
        ),
        (
            "regex search (per sample)",
            _best(lambda: [old_regex.search(t).group(1) for t in texts]),
            _best(lambda: [new_regex.search(t).group(1) for t in texts]),
        ),
    ]
    print(f"{n} samples; best of 3; µs per sample")
    print(f"{'work':36} {'before':>10} {'rft now':>10} {'ratio':>7}")
    for name, before, now in rows:
        print(f"{name:36} {1e6 * before / n:10.2f} {1e6 * now / n:10.2f} {now / before:7.2f}")


if __name__ == "__main__":
    main()
