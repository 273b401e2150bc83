"""A tiny transformers model, built here from scratch (no hub), as the judge end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

import rft

pytest.importorskip("torch")
pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny_judge(tmp_path_factory) -> Path:
    """A random tiny Llama whose vocabulary is the ten digits; special tokens suppressed, so
    every generated token is a digit (a random judge, but a parseable one)."""
    from transformers import AutoTokenizer, GenerationConfig

    from rft.train.tiny_model import build_tiny_model

    path = tmp_path_factory.mktemp("tiny-judge")
    build_tiny_model(["0123456789"], path, max_positions=2048)
    tokenizer = AutoTokenizer.from_pretrained(path)
    config = GenerationConfig.from_pretrained(path)
    config.suppress_tokens = [
        tokenizer.convert_tokens_to_ids(t) for t in tokenizer.all_special_tokens
    ]
    config.save_pretrained(path)
    return path


def local_spec(path: Path, tmp_path: Path, **fields):
    spec = {
        "type": "score_model",
        "name": "tiny",
        "provider": "transformers",
        "model": str(path),
        "range": [0, 9],
        "input": [{"role": "user", "content": "Grade 0-9: {{ sample.output_text }}"}],
        "sampling_params": {"max_tokens": 1, "temperature": 0},
        "concurrency": 4,
        "cache": str(tmp_path / "cache"),
    }
    spec.update(fields)
    return spec


def test_tiny_local_judge_scores_and_caches(tiny_judge, tmp_path):
    texts = ["a", "bb", "42", "hello world", "x"]
    with rft.compile(local_spec(tiny_judge, tmp_path)) as reward:
        s = reward.score(texts, [{}] * len(texts))
    assert not s.any_error.any()
    results = s.details["tiny"]["result"]
    assert all(0 <= r <= 9 and float(r).is_integer() for r in results)
    assert s.scores.tolist() == pytest.approx([r / 9 for r in results])
    assert s.usage["judge_requests"] == 5 and s.usage["judge_completion_tokens"] == 5
    with rft.compile(local_spec(tiny_judge, tmp_path)) as reward:
        again = reward.score(texts, [{}] * len(texts))
    assert again.usage["judge_cache_hits"] == 5 and again.usage["judge_requests"] == 0
    assert again.scores.tolist() == s.scores.tolist()


def test_tiny_local_judge_unparseable_label_is_flagged(tiny_judge, tmp_path):
    spec = local_spec(
        tiny_judge,
        tmp_path,
        type="label_model",
        labels=["yes", "no"],
        passing_labels=["yes"],
        cache=False,
    )
    spec.pop("range")
    with rft.compile(spec) as reward:
        s = reward.score(["a", "b"], [{}, {}])
    assert s.errors["model_grader_parse_error"].all()  # digits are never "yes" or "no"
    assert s.scores.tolist() == [0.0, 0.0]
