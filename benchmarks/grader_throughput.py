"""Grader throughput: rft's compiled batch path vs the two usual ways of writing the same rule.

For each grader type, on N synthetic (sample, item) pairs (default 100,000), in one process:

- rft compiled: `rft.compile(bundle).score(samples, items)`, one call for the whole batch;
- (a) jinja per sample: evaluate the bundle's templates with jinja2 (sandboxed, native values)
  for every sample, parsing `output_json` per sample when a template reads it, then apply the
  same rule (how a straightforward template-driven grader runs);
- (b) hand-written: a plain per-sample Python function, the way TRL reward functions are
  usually written (no templates, no error flags, no breakdowns).

Every variant's scores are checked to agree with rft's before timing is reported.

    python benchmarks/grader_throughput.py            # 100k pairs
    python benchmarks/grader_throughput.py --n 20000  # quicker
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
import numpy as np

import rft

GENES = [f"G{i}{random.Random(i).choice(string.ascii_uppercase)}" for i in range(400)]


@dataclass
class Case:
    name: str
    bundle: dict[str, Any]
    samples: list[str]
    items: list[dict[str, Any]]
    input_expr: str  # the bundle's templates, as jinja expressions (native values) for (a)
    reference_expr: str
    rule: Callable[[Any, Any], float]  # applied to the evaluated values by (a)
    hand: Callable[[str, dict[str, Any]], float]  # (b)


def _render_env() -> jinja2.Environment:
    from jinja2.sandbox import SandboxedEnvironment

    from rft.extraction import FILTERS

    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    return env


# --- synthetic data --------------------------------------------------------------------------
def answers_data(n: int, rng: random.Random) -> tuple[list[str], list[dict[str, Any]]]:
    samples, items = [], []
    for _ in range(n):
        answer = str(rng.randint(0, 999))
        roll = rng.random()
        if roll < 0.5:
            text = f"I think step by step. <answer>{answer}</answer>"
        elif roll < 0.8:
            text = f"I think step by step. <answer>{rng.randint(0, 999)}</answer>"
        else:
            text = f"The answer is {answer}"
        samples.append(text)
        items.append({"answer": answer})
    return samples, items


def names_data(n: int, rng: random.Random) -> tuple[list[str], list[dict[str, Any]]]:
    samples, items = [], []
    for _ in range(n):
        name = (
            " ".join(
                rng.choice(["Ada", "Alan", "Grace", "Edsger", "Barbara", "John"]) for _ in range(2)
            )
            + " "
            + rng.choice(["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "McCarthy"])
        )
        noisy = "".join(c for c in name if rng.random() > 0.1)
        samples.append(noisy if rng.random() < 0.7 else name.upper())
        items.append({"name": name})
    return samples, items


def numeric_data(n: int, rng: random.Random) -> tuple[list[str], list[dict[str, Any]]]:
    samples, items = [], []
    for _ in range(n):
        value = rng.randint(-5000, 5000)
        roll = rng.random()
        if roll < 0.4:
            text = f"So the total is {value}."
        elif roll < 0.6:
            text = f"Final: \\boxed{{{value}}}"
        elif roll < 0.8:
            text = f"{value + rng.choice([-1, 1])}"
        else:
            text = f"It costs {value:,} dollars"
        samples.append(text)
        items.append({"answer": str(value)})
    return samples, items


def genes_data(n: int, rng: random.Random) -> tuple[list[str], list[dict[str, Any]]]:
    samples, items = [], []
    for _ in range(n):
        gene = rng.choice(GENES)
        candidates = rng.sample(GENES, 5)
        roll = rng.random()
        if roll < 0.6:
            candidates.insert(rng.randint(0, 5), gene)
        if roll > 0.95:
            samples.append("I cannot tell.")
        else:
            samples.append(json.dumps({"genes": candidates}))
        items.append({"gene": gene})
    return samples, items


# --- hand-written per-sample functions (b) -----------------------------------------------------
_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def hand_exact(text: str, item: dict[str, Any]) -> float:
    found = _ANSWER.findall(text)
    return float(bool(found) and found[-1].strip() == item["answer"])


def hand_fuzzy(text: str, item: dict[str, Any]) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(text, item["name"]) / 100.0


def hand_ranked(text: str, item: dict[str, Any]) -> float:
    try:
        genes = json.loads(text)["genes"]
    except (ValueError, KeyError, TypeError):
        return 0.0
    return rank_of(genes, item["gene"])


def rank_of(genes: Any, gene: str) -> float:
    if not isinstance(genes, list) or len(genes) > 10:
        return 0.0
    target = gene.strip().casefold()
    seen: list[str] = []
    for gene in genes:
        key = str(gene).strip().casefold()
        if key in seen:
            continue
        seen.append(key)
        if key == target:
            return 1.0 / len(seen)
    return 0.0


_LAST_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def hand_numeric(text: str, item: dict[str, Any]) -> float:
    found = _LAST_NUMBER.findall(text)
    if not found:
        return 0.0
    try:
        return float(abs(float(found[-1].replace(",", "")) - float(item["answer"])) <= 1e-9)
    except ValueError:
        return 0.0


def hand_json_schema(text: str, item: dict[str, Any]) -> float:
    try:
        data = json.loads(text)
    except ValueError:
        return 0.0
    return float(
        isinstance(data, dict)
        and isinstance(data.get("genes"), list)
        and all(isinstance(g, str) for g in data["genes"])
    )


def hand_gene_rank(text: str, item: dict[str, Any]) -> float:
    return hand_json_schema(text, item) * hand_ranked(text, item)


GENE_SCHEMA = {
    "type": "object",
    "required": ["genes"],
    "properties": {"genes": {"type": "array", "items": {"type": "string"}}},
}


def cases(n: int) -> list[Case]:
    rng = random.Random(0)
    answers = answers_data(n, rng)
    names = names_data(n, rng)
    numbers = numeric_data(n, rng)
    genes = genes_data(n, rng)
    from rapidfuzz import fuzz

    def rank_rule(genes: Any, reference: Any) -> float:
        return rank_of(genes, reference)

    def gene_rank_rule(document: Any, reference: Any) -> float:
        valid = (
            isinstance(document, dict)
            and isinstance(document.get("genes"), list)
            and all(isinstance(g, str) for g in document["genes"])
        )
        return rank_of(document["genes"], reference) if valid else 0.0

    return [
        Case(
            "string_check",
            {
                "type": "string_check",
                "input": "{{ sample.output_text | extract_tag('answer') }}",
                "reference": "{{ item.answer }}",
            },
            *answers,
            "sample.output_text | extract_tag('answer')",
            "item.answer",
            lambda a, b: float(a == b),
            hand_exact,
        ),
        Case(
            "text_similarity",
            {
                "type": "text_similarity",
                "reference": "{{ item.name }}",
                "evaluation_metric": "fuzzy_match",
            },
            *names,
            "sample.output_text",
            "item.name",
            lambda a, b: fuzz.ratio(a, b) / 100.0,
            hand_fuzzy,
        ),
        Case(
            "numeric",
            {
                "type": "numeric",
                "reference": "{{ item.answer }}",
                "tolerance": {"abs": 1e-9, "rel": 0},
                "symbolic": False,
            },
            *numbers,
            "sample.output_text",
            "item.answer",
            lambda a, b: hand_numeric(a, {"answer": b}),
            hand_numeric,
        ),
        Case(
            "json_schema",
            {"type": "json_schema", "schema": GENE_SCHEMA},
            *genes,
            "sample.output_text",
            "none",
            lambda a, b: hand_json_schema(a, {}),
            hand_json_schema,
        ),
        Case(
            "ranked_list",
            {
                "type": "ranked_list",
                "input": "{{ sample.output_json.genes }}",
                "reference": "{{ item.gene }}",
                "max_items": 10,
            },
            *genes,
            "sample.output_json.genes",
            "item.gene",
            rank_rule,
            hand_ranked,
        ),
        Case(
            "gene_rank (multi)",
            "graders/gene_rank.yaml",  # type: ignore[arg-type]
            *genes,
            "sample.output_json",
            "item.gene",
            gene_rank_rule,
            hand_gene_rank,
        ),
    ]


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time of `repeats` runs (the least disturbed by other processes)."""
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_case(case: Case, repeats: int) -> dict[str, Any]:
    reward = rft.compile(case.bundle)
    samples, items = case.samples, case.items
    n = len(samples)
    env = _render_env()
    input_t = env.compile_expression(case.input_expr, undefined_to_none=True)
    reference_t = env.compile_expression(case.reference_expr, undefined_to_none=True)
    needs_json = "output_json" in case.input_expr

    def jinja_per_sample() -> list[float]:
        out = []
        for text, item in zip(samples, items, strict=True):
            sample: dict[str, Any] = {"output_text": text}
            if needs_json:
                try:
                    sample["output_json"] = json.loads(text)
                except ValueError:
                    out.append(0.0)
                    continue
            namespace = {"item": item, "sample": sample}
            out.append(case.rule(input_t(**namespace), reference_t(**namespace)))
        return out

    def hand_written() -> list[float]:
        return [case.hand(text, item) for text, item in zip(samples, items, strict=True)]

    t_rft, result = best_of(repeats, lambda: reward.score(samples, items))
    t_jinja, jinja_scores = best_of(1, jinja_per_sample)
    t_hand, hand_scores = best_of(repeats, hand_written)
    agree_hand = float(np.mean(np.isclose(result.scores, hand_scores, atol=1e-6)))
    agree_jinja = float(np.mean(np.isclose(result.scores, jinja_scores, atol=1e-6)))
    return {
        "grader": case.name,
        "n": n,
        "rft_per_s": n / t_rft,
        "jinja_per_s": n / t_jinja,
        "hand_per_s": n / t_hand,
        "vs_jinja": t_jinja / t_rft,
        "vs_hand": t_hand / t_rft,
        "agree_hand": agree_hand,
        "agree_jinja": agree_jinja,
        "mean_score": float(result.scores.mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="pairs per grader type")
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs of rft and (b); best is kept"
    )
    parser.add_argument("--only", nargs="*", help="grader names to run")
    args = parser.parse_args()
    rows = []
    for case in cases(args.n):
        if args.only and case.name not in args.only:
            continue
        rows.append(run_case(case, args.repeats))
        row = rows[-1]
        print(f"... {row['grader']}: {row['rft_per_s']:,.0f}/s", flush=True)
    header = f"{'grader':<20}{'rft compiled/s':>16}{'(a) jinja/s':>14}{'(b) hand/s':>13}{'vs (a)':>9}{'vs (b)':>9}{'agree (b)':>11}"
    print()
    print(
        f"Grader throughput on {args.n:,} synthetic pairs (best of {args.repeats}; (a) timed once)"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['grader']:<20}{row['rft_per_s']:>16,.0f}{row['jinja_per_s']:>14,.0f}{row['hand_per_s']:>13,.0f}"
            f"{row['vs_jinja']:>8.1f}x{row['vs_hand']:>8.2f}x{row['agree_hand']:>10.1%}"
        )
    print(
        "\nvs (a)/(b): how many times faster rft is (>1 = rft faster). agree (b): share of identical scores."
    )


if __name__ == "__main__":
    main()
