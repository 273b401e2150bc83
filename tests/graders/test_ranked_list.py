"""ranked_list: list parsing, duplicates, aliases, max_items and every scoring mode."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rft
from rft.batch import Batch
from rft.graders.ranked_list import RankedListGrader, parse_list, synonym_map
from rft.spec.ranked_list import RankedListSpec

ROOT = Path(__file__).resolve().parents[2]


def grade(samples, items, **fields) -> rft.Scores:
    spec = {"type": "ranked_list", "reference": "{{ item.gene }}", **fields}
    return rft.compile(spec).score(samples, items)


def genes_json(*genes) -> str:
    return json.dumps({"genes": list(genes)})


def ranks(result: rft.Scores) -> list[int]:
    return result.details["ranked_list"]["rank"].tolist()


# -- list parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        ('["FBN1", "TGFBR2"]', ["FBN1", "TGFBR2"]),
        ('```json\n["A", 2]\n```', ["A", 2]),
        ("1. FBN1\n2. TGFBR2\n3) COL1A1", ["FBN1", "TGFBR2", "COL1A1"]),
        ("- FBN1\n* TGFBR2\n• COL1A1\n\n", ["FBN1", "TGFBR2", "COL1A1"]),
        ("FBN1, TGFBR2;COL1A1", ["FBN1", "TGFBR2", "COL1A1"]),
        ("FBN1\nTGFBR2", ["FBN1", "TGFBR2"]),
        ("-1\n1.5", ["-1", "1.5"]),
        ("", []),
        ("   ", []),
        ("[not json", ["[not json"]),
        ('{"genes": ["A"]}', ['{"genes": ["A"]}']),
    ],
)
def test_parse_list_text(text: str, entries: list) -> None:
    assert parse_list(text) == entries


def test_parse_list_values() -> None:
    assert parse_list(["a", 1]) == ["a", 1]
    assert parse_list(("a",)) == ["a"]
    assert parse_list(None) == []
    assert parse_list({"a": 1}) == []
    assert parse_list(7) == [7]


# -- scoring modes ------------------------------------------------------------------------

LISTS = [
    genes_json("FBN1"),
    genes_json("A", "FBN1"),
    genes_json("A", "B", "C", "FBN1"),
    genes_json("A"),
]
ITEMS = [{"gene": "FBN1"}] * 4


@pytest.mark.parametrize(
    ("scoring", "expected"),
    [
        ("reciprocal_rank", [1, 1 / 2, 1 / 4, 0]),
        ("linear", [1, 1 - 1 / 3, 0, 0]),
        ("exponential", [1, 0.5, 0.125, 0]),
        ("top_k", [1, 1, 0, 0]),
        ("ndcg", [1, 1 / math.log2(3), 0, 0]),
    ],
)
def test_scoring_modes(scoring: str, expected: list[float]) -> None:
    result = grade(LISTS, ITEMS, input="{{ sample.output_json.genes }}", scoring=scoring, k=3)
    np.testing.assert_allclose(result.scores, expected)
    assert ranks(result) == [1, 2, 4, 0]
    assert result.details["ranked_list"]["n_items"].tolist() == [1, 2, 4, 1]


def test_exponential_decay_parameter() -> None:
    result = grade(
        LISTS, ITEMS, input="{{ sample.output_json.genes }}", scoring="exponential", decay=0.9
    )
    np.testing.assert_allclose(result.scores, [1, 0.9, 0.9**3, 0])


def test_ndcg_over_several_references() -> None:
    items = [{"genes": ["FBN1", "TGFBR2"]}] * 3
    samples = [genes_json("FBN1", "TGFBR2"), genes_json("X", "TGFBR2", "FBN1"), genes_json("FBN1")]
    result = grade(
        samples,
        items,
        input="{{ sample.output_json.genes }}",
        reference="{{ item.genes }}",
        scoring="ndcg",
        k=5,
    )
    ideal = 1 + 1 / math.log2(3)
    np.testing.assert_allclose(
        result.scores, [1, (1 / math.log2(3) + 1 / math.log2(4)) / ideal, 1 / ideal]
    )
    assert ranks(result) == [1, 2, 1]


def test_ndcg_ignores_hits_beyond_k() -> None:
    result = grade(
        [genes_json("A", "B", "FBN1")],
        [{"gene": "FBN1"}],
        input="{{ sample.output_json.genes }}",
        scoring="ndcg",
        k=2,
    )
    assert result.scores.tolist() == [0.0]
    assert ranks(result) == [3]


def test_reference_list_of_templates_and_constants() -> None:
    result = grade(
        ["X, TGFBR2", "FBN1", "COL1A1"],
        [{"gene": "FBN1"}] * 3,
        reference=["{{ item.gene }}", "TGFBR2"],
    )
    assert result.scores.tolist() == [0.5, 1.0, 0.0]


def test_constant_reference() -> None:
    result = grade(["b, a", "A", "c"], [{}] * 3, reference="a")
    assert result.scores.tolist() == [0.5, 1.0, 0.0]


# -- duplicates, normalization, odd entries -----------------------------------------------


def test_duplicates_count_once_and_do_not_push_ranks() -> None:
    samples = [
        genes_json("A", "a", " A ", "FBN1"),  # rank 2 among distinct entries
        genes_json("FBN1", "fbn1", "FBN1"),
        genes_json("A", "A", "A", "B", "B"),
    ]
    result = grade(samples, [{"gene": "FBN1"}] * 3, input="{{ sample.output_json.genes }}")
    assert result.scores.tolist() == [0.5, 1.0, 0.0]
    assert result.details["ranked_list"]["n_items"].tolist() == [2, 1, 2]


def test_normalize_default_and_custom() -> None:
    assert grade(["  fbn1 , x"], [{"gene": "FBN1"}]).scores.tolist() == [1.0]
    strict = grade(["fbn1, FBN1", " FBN1 "], [{"gene": "FBN1"}, {"gene": "FBN1"}], normalize=[])
    assert strict.scores.tolist() == [0.5, 1.0]  # text entries lose surrounding spaces anyway
    punct = grade(["F.B.N.1"], [{"gene": "fbn1"}], normalize=["remove_punctuation", "casefold"])
    assert punct.scores.tolist() == [1.0]


def test_non_string_entries_are_stringified_or_skipped() -> None:
    samples = [
        json.dumps({"genes": [None, ["FBN1"], {"g": "FBN1"}, "", 42]}),
        json.dumps({"genes": [1.0, "x"]}),
        json.dumps({"genes": [True, "x"]}),
        json.dumps({"genes": [1e308, float("1e-300"), "x"]}),
    ]
    items = [{"gene": 42}, {"gene": "1"}, {"gene": "true"}, {"gene": "x"}]
    result = grade(samples, items, input="{{ sample.output_json.genes }}")
    assert result.scores.tolist() == [1.0, 1.0, 1.0, 1 / 3]
    assert result.details["ranked_list"]["n_items"].tolist() == [1, 2, 2, 3]


def test_unicode_entries() -> None:
    result = grade(["Синдром, ФБН1", "ß-gene"], [{"gene": "фбн1"}, {"gene": "SS-GENE"}])
    assert result.scores.tolist() == [0.5, 1.0]


def test_nan_inf_text_entries() -> None:
    result = grade(["nan, inf, FBN1", "NaN"], [{"gene": "FBN1"}, {"gene": "nan"}])
    assert result.scores.tolist() == [1 / 3, 1.0]


def test_empty_none_and_missing() -> None:
    result = grade(
        ["", None, "FBN1", genes_json("FBN1"), "{"],
        [{"gene": "FBN1"}, {"gene": "FBN1"}, {}, {"gene": ""}, {"gene": "FBN1"}],
        input="{{ sample.output_text }}",
    )
    assert result.scores.tolist() == [0, 0, 0, 0, 0]
    assert result.errors["invalid_variable_error"].tolist() == [False, False, True, False, False]
    assert result.errors["sample_parse_error"].tolist() == [False] * 5


def test_output_json_parse_failures_are_flagged() -> None:
    result = grade(
        ["{", genes_json("FBN1"), '{"other": []}'],
        [{"gene": "FBN1"}] * 3,
        input="{{ sample.output_json.genes }}",
    )
    assert result.scores.tolist() == [0, 1, 0]
    assert result.errors["sample_parse_error"].tolist() == [True, False, False]
    assert result.errors["invalid_variable_error"].tolist() == [False, False, True]


def test_nested_output_json_path() -> None:
    sample = json.dumps({"answer": {"ranking": [{"gene": "X"}, {"gene": "FBN1"}]}})
    result = grade(
        [sample], [{"gene": "FBN1"}], input="{{ sample.output_json.answer.ranking[1].gene }}"
    )
    assert result.scores.tolist() == [1.0]


def test_text_list_in_output_json_field() -> None:
    result = grade(
        [json.dumps({"genes": "1. X\n2. FBN1"})],
        [{"gene": "FBN1"}],
        input="{{ sample.output_json.genes }}",
    )
    assert result.scores.tolist() == [0.5]


def test_huge_list() -> None:
    genes = [f"G{i}" for i in range(100_000)] + ["FBN1"]
    result = grade(
        [json.dumps(genes), ", ".join(genes)],
        [{"gene": "FBN1"}] * 2,
        input="{{ sample.output_text }}",
    )
    np.testing.assert_allclose(result.scores, [1 / 100_001] * 2)


# -- aliases ------------------------------------------------------------------------------


def test_constant_alias_mapping() -> None:
    aliases = {"FBN1": ["fibrillin-1", "MFS1"]}
    result = grade(
        ["X, Fibrillin-1", "mfs1", "fibrillin 1"], [{"gene": "FBN1"}] * 3, aliases=aliases
    )
    assert result.scores.tolist() == [0.5, 1.0, 0.0]


def test_aliases_are_symmetric_and_do_not_push_ranks() -> None:
    aliases = {"FBN1": ["fibrillin-1"]}
    # The reference is itself an alias; an entry and its synonym count as one distinct answer.
    result = grade(
        ["FBN1", "fibrillin-1, FBN1, X"], [{"gene": "fibrillin-1"}, {"gene": "X"}], aliases=aliases
    )
    assert result.scores.tolist() == [1.0, 0.5]


def test_alias_mapping_from_item_field() -> None:
    items = [
        {"gene": "FBN1", "syn": {"FBN1": ["fibrillin"]}},
        {"gene": "FBN1", "syn": ["fibrillin"]},
        {"gene": "FBN1", "syn": "fibrillin"},
        {"gene": "FBN1", "syn": '{"FBN1": ["fibrillin"]}'},
        {"gene": "FBN1", "syn": None},
    ]
    result = grade(["x, FIBRILLIN"] * 5, items, aliases="{{ item.syn }}")
    assert result.scores.tolist() == [0.5, 0.5, 0.5, 0.5, 0.0]


def test_synonym_groups_merge() -> None:
    mapping = synonym_map({"A": ["b"], "C": ["B", "d"], 5: [None, 6]}, str.casefold)
    assert len({mapping[x] for x in "abcd"}) == 1
    assert mapping["5"] == mapping["6"]


# -- max_items ----------------------------------------------------------------------------


def test_max_items_zero_marks_too_long() -> None:
    samples = [", ".join(["FBN1"] + [f"G{i}" for i in range(n)]) for n in (2, 3)]
    result = grade([*samples, "FBN1, G1, G1, G1, G1"], [{"gene": "FBN1"}] * 3, max_items=3)
    assert result.scores.tolist() == [1.0, 0.0, 1.0]
    details = result.details["ranked_list"]
    assert details["too_long"].tolist() == [False, True, False]
    assert details["rank"].tolist() == [1, 0, 1]
    assert details["n_items"].tolist() == [3, 4, 2]


def test_max_items_truncate() -> None:
    samples = ["A, B, FBN1, C, D", "A, B, C, FBN1"]
    result = grade(samples, [{"gene": "FBN1"}] * 2, max_items=3, over_max_items="truncate")
    assert result.scores.tolist() == [1 / 3, 0.0]
    assert result.details["ranked_list"]["too_long"].tolist() == [False, False]


# -- batch, direct use, bundles, properties -----------------------------------------------


def test_batch_equals_one_sample_path() -> None:
    samples = ["A, FBN1", genes_json("FBN1"), "", "1. x\n2. y\n3. fbn1", "FBN1, FBN1"]
    items = [{"gene": "FBN1"}] * len(samples)
    for scoring in ("reciprocal_rank", "linear", "exponential", "top_k", "ndcg"):
        batch = grade(samples, items, scoring=scoring, k=2)
        single = [
            grade([s], [i], scoring=scoring, k=2).scores[0]
            for s, i in zip(samples, items, strict=True)
        ]
        np.testing.assert_array_equal(batch.scores, single)


def test_direct_grader() -> None:
    grader = RankedListGrader(RankedListSpec(reference="b", scoring="reciprocal_rank"))
    out = grader.grade(Batch(["a, b", {"output_text": '["b"]'}, "c"], [{}] * 3))
    assert out.scores.tolist() == [0.5, 1.0, 0.0]
    assert out.details["rank"].tolist() == [2, 1, 0]


def test_gene_rank_bundle() -> None:
    reward = rft.compile(ROOT / "graders" / "gene_rank.yaml")
    for _, _, test in reward.bundle.tests():
        result = reward.score([test.sample.model_dump()], [test.item])
        assert result.scores[0] == pytest.approx(test.expect), test.name


@settings(max_examples=100, deadline=None)
@given(
    entries=st.lists(
        st.one_of(st.text(max_size=8), st.integers(), st.none(), st.floats()), max_size=12
    ),
    reference=st.text(max_size=8),
    scoring=st.sampled_from(["reciprocal_rank", "linear", "exponential", "top_k", "ndcg"]),
    as_text=st.booleans(),
)
def test_any_list_scores_finite_in_unit_interval(entries, reference, scoring, as_text) -> None:
    sample = (
        ", ".join(map(str, entries)) if as_text else {"output_text": json.dumps({"genes": entries})}
    )
    field = "{{ sample.output_text }}" if as_text else "{{ sample.output_json.genes }}"
    result = grade([sample], [{"gene": reference}], input=field, scoring=scoring, max_items=8)
    value = result.scores[0]
    assert math.isfinite(value) and 0.0 <= value <= 1.0
    rank = ranks(result)[0]
    assert (rank > 0) == (value > 0) or scoring in ("linear", "top_k", "ndcg")
