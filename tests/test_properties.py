"""Property tests: on arbitrary text, every score is finite and in [0, 1], and the batch path
gives exactly what grading one sample at a time gives."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rft

BUNDLE = {
    "type": "multi",
    "name": "everything",
    "graders": {
        "exact": {
            "type": "string_check",
            "reference": "{{ item.answer }}",
            "normalize": ["strip", "casefold"],
        },
        "contains": {
            "type": "string_check",
            "reference": "{{ item.answer }}",
            "operation": "ilike",
        },
        "regex": {"type": "string_check", "reference": "^\\d+$", "operation": "regex"},
        "fuzzy": {
            "type": "text_similarity",
            "reference": "{{ item.answer }}",
            "evaluation_metric": "fuzzy_match",
        },
        "rouge": {
            "type": "text_similarity",
            "reference": "{{ item.answer }}",
            "evaluation_metric": "rouge_l",
        },
        "bleu": {
            "type": "text_similarity",
            "reference": "{{ item.answer }}",
            "evaluation_metric": "bleu",
        },
        "number": {"type": "numeric", "reference": "{{ item.number }}", "partial_credit": True},
        "rank": {
            "type": "ranked_list",
            "reference": "{{ item.answer }}",
            "scoring": "ndcg",
            "max_items": 20,
        },
        "json": {
            "type": "json_schema",
            "schema": {"type": "object", "required": ["a"]},
            "partial": True,
        },
        "tag": {
            "type": "string_check",
            "input": "{{ sample.output_text | extract_tag('answer') }}",
            "reference": "{{ item.answer }}",
        },
        "field": {
            "type": "string_check",
            "input": "{{ sample.output_json.a }}",
            "reference": "{{ item.answer }}",
        },
    },
    "calculate_output": "(exact + contains + regex + fuzzy + rouge + bleu + number + rank + json + tag + field) / 11 + min(exact, 0) * log(exact + 1)",
}

REWARD = rft.compile(BUNDLE)

texts = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "nan",
            "inf",
            "-inf",
            "1e309",
            "NaN",
            "<answer>42</answer>",
            '{"a": 1}',
            "[1, 2, 3]",
            "\\boxed{3/4}",
            "1,234",
            "−5",
        ]
    ),
    st.lists(st.text(max_size=20), max_size=12).map(
        lambda xs: "\n".join(f"{i + 1}. {x}" for i, x in enumerate(xs))
    ),
)
items = st.fixed_dictionaries(
    {
        "answer": st.one_of(
            st.text(max_size=40), st.integers(), st.sampled_from(["42", "Paris", ""])
        ),
        "number": st.one_of(
            st.integers(-(10**30), 10**30).map(str),
            st.floats(allow_nan=True).map(str),
            st.text(max_size=10),
        ),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(texts, items), min_size=1, max_size=8))
def test_scores_finite_in_unit_interval_and_batch_equals_single(pairs: list) -> None:
    outputs = [o for o, _ in pairs]
    rows = [i for _, i in pairs]
    batch = REWARD.score(outputs, rows)
    assert np.isfinite(batch.scores).all()
    assert ((batch.scores >= 0) & (batch.scores <= 1)).all()
    for name, values in batch.sub_scores.items():
        assert np.isfinite(values).all() and ((values >= 0) & (values <= 1)).all(), name
    single = np.array([REWARD.score_one(o, i).scores[0] for o, i in pairs])
    np.testing.assert_allclose(batch.scores, single, rtol=0, atol=1e-12)
