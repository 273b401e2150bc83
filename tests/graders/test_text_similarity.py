"""text_similarity: every metric against independent computations, edge cases, properties."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.translate.gleu_score import sentence_gleu
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rouge_score.rouge_scorer import RougeScorer

import rft
from rft.batch import Batch
from rft.graders.text_similarity import TextSimilarityGrader
from rft.spec.string import TextSimilaritySpec

ROOT = Path(__file__).resolve().parents[2]

METRICS = [
    "fuzzy_match",
    "ratio",
    "partial_ratio",
    "token_sort_ratio",
    "token_set_ratio",
    "levenshtein",
    "jaro_winkler",
    "bleu",
    "gleu",
    "meteor",
    "rouge_1",
    "rouge_2",
    "rouge_3",
    "rouge_4",
    "rouge_5",
    "rouge_l",
]

PAIRS = [
    ("yesterday the cat sat on the mat", "the cat sat on the mat"),
    ("the cat sat on the mat", "the cat sat on a mat"),
    ("Marfan syndrome", "marfan syndrom"),
    ("a quick brown fox jumps over the lazy dog", "the quick brown fox jumped over a lazy dog"),
    ("completely unrelated words", "the reference sentence here"),
]


def score(metric: str, pairs: list[tuple[str, str]], **fields) -> np.ndarray:
    reward = rft.compile(
        {
            "type": "text_similarity",
            "reference": "{{ item.ref }}",
            "evaluation_metric": metric,
            **fields,
        }
    )
    return reward.score([h for h, _ in pairs], [{"ref": r} for _, r in pairs]).scores


# -- known values -------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRICS)
def test_identical_texts_score_one_and_disjoint_zero(metric: str) -> None:
    scores = score(metric, [("Marfan syndrome", "Marfan syndrome"), ("xyz", "abc")])
    assert scores[0] == 1.0
    assert scores[1] == 0.0


@pytest.mark.parametrize("metric", METRICS)
def test_scores_are_in_unit_interval(metric: str) -> None:
    scores = score(metric, PAIRS)
    assert np.all((scores >= 0) & (scores <= 1))
    assert scores[0] > scores[-1]  # a near paraphrase beats unrelated words


@pytest.mark.parametrize(
    ("metric", "reference_fn"),
    [
        ("fuzzy_match", lambda h, r: fuzz.ratio(h, r) / 100),
        ("ratio", lambda h, r: fuzz.ratio(h, r) / 100),
        ("partial_ratio", lambda h, r: fuzz.partial_ratio(h, r) / 100),
        ("token_sort_ratio", lambda h, r: fuzz.token_sort_ratio(h, r) / 100),
        ("token_set_ratio", lambda h, r: fuzz.token_set_ratio(h, r) / 100),
        ("levenshtein", Levenshtein.normalized_similarity),
        ("jaro_winkler", JaroWinkler.normalized_similarity),
        ("bleu", lambda h, r: sacrebleu.sentence_bleu(h, [r]).score / 100),
    ],
)
def test_metric_matches_library_function(metric, reference_fn) -> None:
    expected = [reference_fn(h, r) for h, r in PAIRS]
    np.testing.assert_allclose(score(metric, PAIRS), expected, atol=1e-6)


def test_fuzzy_match_is_normalized_indel_similarity() -> None:
    # 1 - indel_distance / (len1 + len2): "kitten"/"sitting": LCS 4, indel 5, 13 chars.
    assert score("fuzzy_match", [("kitten", "sitting")])[0] == pytest.approx(1 - 5 / 13)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_rouge_n_matches_rouge_score(n: int) -> None:
    scorer = RougeScorer([f"rouge{n}"])
    expected = [scorer.score(r, h)[f"rouge{n}"].fmeasure for h, r in PAIRS]
    np.testing.assert_allclose(score(f"rouge_{n}", PAIRS), expected)


def test_rouge_l_matches_rouge_score() -> None:
    scorer = RougeScorer(["rougeL"])
    expected = [scorer.score(r, h)["rougeL"].fmeasure for h, r in PAIRS]
    np.testing.assert_allclose(score("rouge_l", PAIRS), expected)


def test_gleu_matches_nltk_on_whitespace_tokens() -> None:
    pairs = [("the cat sat on the mat", "the cat sat on a mat")]
    expected = sentence_gleu([pairs[0][1].split()], pairs[0][0].split())
    assert score("gleu", pairs)[0] == pytest.approx(expected)


def test_bleu_known_value() -> None:
    # 3 of 3 unigrams, 2/2 bigrams, 1/1 trigram, brevity penalty exp(1 - 6/3) (effective order).
    value = score("bleu", [("the cat sat", "the cat sat on the mat")])[0]
    assert value == pytest.approx(math.exp(1 - 6 / 3), rel=1e-6)


def test_meteor_matches_stems_without_wordnet() -> None:
    # "cats" ~ "cat" through the Porter stemmer even though WordNet data is not installed.
    exact, stemmed, unrelated = score(
        "meteor",
        [("the cat sat", "the cat sat"), ("the cats sat", "the cat sat"), ("dogs", "the cat sat")],
    )
    assert exact == 1.0
    # 3 matches in 1 chunk: METEOR's fragmentation penalty 0.5 * (1/3)^3.
    assert stemmed == pytest.approx(1 - 0.5 / 27, abs=1e-12)
    assert unrelated == 0.0


# -- options ------------------------------------------------------------------------------


def _passed(metric: str, pairs: list[tuple[str, str]], threshold: float) -> tuple[list, list]:
    reward = rft.compile(
        {
            "type": "text_similarity",
            "name": "sim",
            "reference": "{{ item.ref }}",
            "evaluation_metric": metric,
            "pass_threshold": threshold,
        }
    )
    result = reward.score([h for h, _ in pairs], [{"ref": r} for _, r in pairs])
    return result.scores.tolist(), result.details["sim"]["passed"].tolist()


def test_pass_threshold_marks_pass_and_keeps_the_similarity() -> None:
    # OpenAI's semantics: pass_threshold marks pass/fail, the score stays continuous.
    raw = score("fuzzy_match", PAIRS)
    scores, passed = _passed("fuzzy_match", PAIRS, 0.85)
    assert scores == raw.tolist()
    assert passed == [False, True, True, True, False]
    frame = (
        rft.compile(
            {"type": "text_similarity", "name": "sim", "reference": "x", "pass_threshold": 0.5}
        )
        .score(["x", "y"], [{}, {}])
        .to_frame()
    )
    assert frame["sim.passed"].tolist() == [True, False]
    # Both sides missing would be "" vs "" (similarity 1): the error fails the sample.
    missing = rft.compile(
        {
            "type": "text_similarity",
            "name": "sim",
            "input": "{{ item.a }}",
            "reference": "{{ item.b }}",
            "pass_threshold": 0.5,
        }
    ).score(["x"], [{}])
    assert missing.scores.tolist() == [0.0]
    assert missing.details["sim"]["passed"].tolist() == [False]
    assert missing.errors["invalid_variable_error"].tolist() == [True]


def test_pass_threshold_is_inclusive() -> None:
    value = score("fuzzy_match", [("kitten", "sitting")])[0]
    assert _passed("fuzzy_match", [("kitten", "sitting")], value) == ([value], [True])
    assert _passed("fuzzy_match", [("kitten", "sitting")], value + 1e-9) == ([value], [False])


def test_normalize_applies_to_both_sides() -> None:
    pairs = [("  MARFAN   Syndrome ", "marfan syndrome")]
    assert score("ratio", pairs)[0] < 1.0
    assert score("ratio", pairs, normalize=["casefold", "collapse_whitespace"])[0] == 1.0


# -- edge cases ---------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRICS)
def test_empty_none_and_missing_values(metric: str) -> None:
    reward = rft.compile(
        {"type": "text_similarity", "reference": "{{ item.ref }}", "evaluation_metric": metric}
    )
    result = reward.score(
        ["", "text", None, {"output_text": None}, "text"],
        [{"ref": "text"}, {"ref": ""}, {"ref": ""}, {"ref": "x"}, {}],
    )
    assert result.scores.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    assert result.errors["invalid_variable_error"].tolist() == [False] * 4 + [True]


@pytest.mark.parametrize("metric", METRICS)
def test_unicode_nan_inf_and_numbers(metric: str) -> None:
    pairs = [
        ("Синдром Марфана", "Синдром Марфана"),
        ("马凡综合征", "马凡综合症"),
        ("nan", "inf"),
        ("NaN", "NaN"),
        ("🧬 FBN1 ✓", "FBN1"),
        ("e\u0301", "\u00e9"),
    ]
    scores = score(metric, pairs)
    assert np.all(np.isfinite(scores)) and np.all((scores >= 0) & (scores <= 1))
    assert scores[0] == scores[3] == 1.0
    assert score(metric, pairs[-1:], normalize=["nfkc"])[0] == 1.0


def test_non_string_references_compare_as_text() -> None:
    reward = rft.compile(
        {"type": "text_similarity", "reference": "{{ item.ref }}", "evaluation_metric": "ratio"}
    )
    result = reward.score(
        ["42", '["a","b"]', "1.5"], [{"ref": 42}, {"ref": ["a", "b"]}, {"ref": 1.5}]
    )
    assert result.scores.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("metric", METRICS)
def test_huge_input_finishes(metric: str) -> None:
    huge = "the cat sat on the mat " * 5000  # 115k characters
    start = time.perf_counter()
    value = score(metric, [(huge, "the cat sat on the mat")])[0]
    assert 0.0 <= value <= 1.0
    assert time.perf_counter() - start < 20


def test_batch_equals_one_sample_path() -> None:
    for metric in METRICS:
        batch = score(metric, PAIRS)
        single = [score(metric, [pair])[0] for pair in PAIRS]
        np.testing.assert_allclose(batch, single, err_msg=metric)


def test_parallel_path_equals_serial_path() -> None:
    # Long texts take rapidfuzz's multi-threaded path (workers=-1); results must not change.
    long_pairs = [("abc " * 400 + str(i), "abd " * 400 + str(i % 7)) for i in range(800)]
    batch = score("token_set_ratio", long_pairs)
    serial = [fuzz.token_set_ratio(h, r) / 100 for h, r in long_pairs]
    np.testing.assert_allclose(batch, serial, atol=1e-9)


def test_direct_grader_similarity() -> None:
    grader = TextSimilarityGrader(TextSimilaritySpec(reference="x", evaluation_metric="ratio"))
    np.testing.assert_allclose(grader.similarity(["ab", "", ""], ["ab", "", "a"]), [1, 1, 0])
    out = grader.grade(Batch(["x", "y"], [{}, {}]))
    assert out.scores.tolist() == [1.0, 0.0]


def test_template_filters_feed_the_metric() -> None:
    reward = rft.compile(
        {
            "type": "text_similarity",
            "input": "{{ sample.output_text | extract_tag('answer') }}",
            "reference": "{{ item.name }}",
            "evaluation_metric": "fuzzy_match",
        }
    )
    result = reward.score(
        ["thinking... <answer>Marfan syndrome</answer>", "no tags"],
        [{"name": "Marfan syndrome"}] * 2,
    )
    assert result.scores.tolist() == [1.0, 0.0]


# -- build-time errors --------------------------------------------------------------------


def test_cosine_without_model_is_a_bundle_error() -> None:
    with pytest.raises(rft.BundleError, match="embedding_model: <local path>"):
        rft.compile({"type": "text_similarity", "reference": "x", "evaluation_metric": "cosine"})


def test_cosine_with_missing_model_dir_is_a_bundle_error(tmp_path: Path) -> None:
    with pytest.raises(rft.BundleError, match="not found"):
        rft.compile(
            {
                "type": "text_similarity",
                "reference": "x",
                "evaluation_metric": "cosine",
                "embedding_model": str(tmp_path / "no-such-model"),
            }
        )


def test_unknown_metric_is_a_bundle_error() -> None:
    with pytest.raises(rft.BundleError, match="evaluation_metric"):
        rft.compile({"type": "text_similarity", "reference": "x", "evaluation_metric": "bert"})


# -- OpenAI compatibility -----------------------------------------------------------------

# The text_similarity examples of OpenAI's graders guide, in OpenAI's JSON shape.
OPENAI_FUZZY = {
    "type": "text_similarity",
    "name": "Example text similarity grader",
    "input": "{{sample.output_text}}",
    "reference": "{{item.reference_answer}}",
    "evaluation_metric": "fuzzy_match",
    "pass_threshold": 0.8,
}
OPENAI_BLEU = {
    **OPENAI_FUZZY,
    "name": "bleu grader",
    "evaluation_metric": "bleu",
    "pass_threshold": 0.5,
}


def test_openai_examples_load_and_score() -> None:
    items = [{"reference_answer": "fuzzy wuzzy had no hair"}] * 3
    samples = ["fuzzy wuzzy had no hair", "fuzzy wuzzy had no hare", "a bear"]
    fuzzy = rft.compile(OPENAI_FUZZY).score(samples, items)
    # Indel similarity: "hare" vs "hair" is 2 edits over 46 characters; "a bear" 8/29.
    assert fuzzy.scores.tolist() == [1.0, 1 - 2 / 46, 8 / 29]
    assert fuzzy.details["Example text similarity grader"]["passed"].tolist() == [True, True, False]
    bleu = rft.compile(OPENAI_BLEU).score(samples, items)
    expected_bleu = sacrebleu.sentence_bleu(samples[1], [items[0]["reference_answer"]]).score / 100
    assert bleu.scores.tolist() == [1.0, expected_bleu, 0.0]
    assert bleu.details["bleu grader"]["passed"].tolist() == [True, True, False]
    wrapped = rft.compile({"grader": OPENAI_FUZZY}).score(samples, items)
    np.testing.assert_array_equal(wrapped.scores, fuzzy.scores)


# -- bundles ------------------------------------------------------------------------------


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    metric=st.sampled_from(METRICS),
    hyp=st.text(max_size=200),
    ref=st.text(max_size=200),
)
def test_any_text_scores_finite_in_unit_interval(metric: str, hyp: str, ref: str) -> None:
    value = score(metric, [(hyp, ref)])[0]
    assert math.isfinite(value) and 0.0 <= value <= 1.0
    if hyp == ref:
        assert value == 1.0
