"""json_schema: parsing, validation, partial credit, schema files and build-time errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rft
from rft.batch import Batch
from rft.graders.base import CompileContext
from rft.graders.json_schema import JsonSchemaGrader
from rft.spec.json_schema import JsonSchemaSpec

ROOT = Path(__file__).resolve().parents[2]

GENES = {
    "type": "object",
    "required": ["genes"],
    "properties": {"genes": {"type": "array", "items": {"type": "string"}}},
}
PERSON = {
    "type": "object",
    "required": ["name", "age", "tags"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
    },
    "$defs": {"tag": {"type": "string", "pattern": "^[a-z]+$"}},
}


def grade(schema, samples, items=None, **fields) -> rft.Scores:
    reward = rft.compile({"type": "json_schema", "schema": schema, **fields})
    return reward.score(samples, items or [{}] * len(samples))


# -- validity -----------------------------------------------------------------------------


def test_valid_and_invalid_answers() -> None:
    result = grade(
        GENES,
        [
            '{"genes": ["FBN1", "TGFBR2"]}',
            '{"genes": []}',
            '{"genes": "FBN1"}',
            '{"genes": [1, 2]}',
            '{"other": 1}',
            "[]",
            '{ "genes" : [ "TGFBR2" , "FBN1" ] }',
        ],
    )
    assert result.scores.tolist() == [1, 1, 0, 0, 0, 0, 1]
    assert not result.any_error.any()
    errors = result.details["json_schema"]["schema_error"]
    assert errors[0] is None
    assert errors[2] == 'genes: "FBN1" is not of type "array"'
    assert errors[3].startswith("genes/") and errors[3].endswith('is not of type "string"')
    assert "required" in errors[4]


def test_agrees_with_python_jsonschema() -> None:
    docs = [
        {"name": "Ann", "age": 3, "tags": ["a"]},
        {"name": "", "age": 3, "tags": []},
        {"name": "Bo", "age": -1, "tags": []},
        {"name": "Bo", "age": 2.5, "tags": []},
        {"name": "Bo", "age": 2, "tags": ["UPPER"]},
        {"name": "Bo", "age": 2, "tags": ["ok"], "extra": None},
    ]
    result = grade(PERSON, [json.dumps(d) for d in docs])
    expected = [float(jsonschema.Draft202012Validator(PERSON).is_valid(d)) for d in docs]
    assert result.scores.tolist() == expected == [1, 0, 0, 0, 0, 1]


@pytest.mark.parametrize(
    "text",
    ['{"genes": ["FBN1"', "not json", "", "nan", "inf", "NaN", "{'genes': []}", "```json\n{"],
)
def test_malformed_json_scores_zero_with_parse_error(text: str) -> None:
    result = grade(GENES, [text])
    assert result.scores.tolist() == [0.0]
    assert result.errors["sample_parse_error"].tolist() == [True]
    assert "not valid JSON" in result.messages["json_schema"][0]


def test_fenced_json_is_accepted() -> None:
    assert grade(GENES, ['```json\n{"genes": ["A"]}\n```']).scores.tolist() == [1.0]


def test_scalar_schemas_and_unicode() -> None:
    schema = {"type": "string", "maxLength": 3}
    result = grade(schema, ['"ok"', '"toolong"', '"🧬é"', "3"])
    assert result.scores.tolist() == [1, 0, 1, 0]


# -- inputs -------------------------------------------------------------------------------


def test_input_rendering_a_dict_or_list_is_validated_directly() -> None:
    result = grade(
        {"type": "array", "items": {"type": "string"}},
        ['{"answer": {"genes": ["A", "B"]}}', '{"answer": {"genes": [1]}}'],
        input="{{ sample.output_json.answer.genes }}",
    )
    assert result.scores.tolist() == [1, 0]


def test_nested_output_json_string_is_a_json_string_not_text_to_parse() -> None:
    # `{{ sample.output_json.name }}` is already parsed: "[1]" there is a string, not a list.
    result = grade(
        {"type": "string"},
        ['{"name": "[1]"}', '{"name": 5}'],
        input="{{ sample.output_json.name }}",
    )
    assert result.scores.tolist() == [1, 0]


def test_item_field_text_is_parsed() -> None:
    result = grade(
        GENES,
        ["", "", ""],
        items=[{"doc": '{"genes": ["A"]}'}, {"doc": '{"genes": 1}'}, {"doc": "{"}],
        input="{{ item.doc }}",
    )
    assert result.scores.tolist() == [1, 0, 0]
    assert result.errors["sample_parse_error"].tolist() == [False, False, True]


def test_missing_fields_are_invalid_variables() -> None:
    result = grade(
        GENES,
        ['{"answer": {}}', "{", '{"answer": {"x": {"genes": []}}}'],
        input="{{ sample.output_json.answer.x }}",
    )
    assert result.scores.tolist() == [0, 0, 1]
    assert result.errors["invalid_variable_error"].tolist() == [True, False, False]
    assert result.errors["sample_parse_error"].tolist() == [False, True, False]


def test_none_and_chat_samples() -> None:
    result = grade(
        GENES, [None, {"output_text": None}, [{"role": "assistant", "content": '{"genes": []}'}]]
    )
    assert result.scores.tolist() == [0, 0, 1]
    assert result.errors["sample_parse_error"].tolist() == [True, True, False]


def test_output_json_override_is_used() -> None:
    result = grade(GENES, [{"output_text": "prose", "output_json": {"genes": ["A"]}}])
    assert result.scores.tolist() == [1.0]


def test_huge_input() -> None:
    doc = json.dumps({"genes": [f"G{i}" for i in range(200_000)]})
    assert grade(GENES, [doc, doc[:-2]]).scores.tolist() == [1, 0]


# -- partial ------------------------------------------------------------------------------


def test_partial_scores_fraction_of_required_fields() -> None:
    docs = [
        {"name": "Ann", "age": 3, "tags": ["a"]},  # valid: 1
        {"name": "Ann", "age": -3, "tags": ["a"]},  # 2 of 3
        {"name": "", "age": "x"},  # 0 of 3
        {"name": "Ann"},  # 1 of 3
        {"name": "Ann", "age": 1, "tags": ["BAD"]},  # $ref into $defs: 2 of 3
    ]
    result = grade(PERSON, [json.dumps(d) for d in docs] + ["[1]", "{"], partial=True)
    np.testing.assert_allclose(result.scores, [1, 2 / 3, 0, 1 / 3, 2 / 3, 0, 0])


def test_partial_required_without_subschema_counts_presence() -> None:
    schema = {
        "type": "object",
        "required": ["a", "b"],
        "properties": {"b": {"type": "integer"}},
        "additionalProperties": False,
    }
    result = grade(schema, ['{"a": null, "b": "x"}', '{"a": 1, "b": 2, "c": 3}'], partial=True)
    np.testing.assert_allclose(result.scores, [0.5, 1.0])


def test_partial_without_required_is_binary() -> None:
    result = grade(
        {"type": "object", "maxProperties": 1}, ['{"a": 1}', '{"a": 1, "b": 2}'], partial=True
    )
    assert result.scores.tolist() == [1, 0]


# -- schema files and errors --------------------------------------------------------------


def test_schema_path_relative_to_bundle_file(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "genes.json").write_text(json.dumps(GENES))
    (tmp_path / "genes.yaml").write_text("type: object\nrequired: [genes]\n")
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text(
        "type: multi\ngraders:\n"
        "  a: {type: json_schema, schema: schemas/genes.json}\n"
        "  b: {type: json_schema, schema: genes.yaml}\n"
    )
    result = rft.compile(bundle).score(['{"genes": ["A"]}', '{"genes": 1}'], [{}, {}])
    assert result.sub_scores["a"].tolist() == [1, 0]
    assert result.sub_scores["b"].tolist() == [1, 1]


def test_missing_schema_file_is_a_located_bundle_error(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text(
        "type: multi\ngraders:\n  fmt:\n    type: json_schema\n    schema: nope.json\n"
    )
    with pytest.raises(rft.BundleError) as info:
        rft.compile(bundle)
    text = str(info.value)
    assert "schema file not found" in text and "graders.fmt.schema" in text
    assert "bundle.yaml:5" in text and "fix:" in text


def test_unparsable_schema_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(rft.BundleError, match="does not parse"):
        JsonSchemaGrader(JsonSchemaSpec(schema="bad.json"), CompileContext(base_dir=tmp_path))


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "strng"},
        {"type": "object", "required": "genes"},
        {"properties": {"a": {"minLength": -1}}},
        [1, 2],
    ],
)
def test_invalid_schema_is_a_bundle_error(schema) -> None:
    with pytest.raises(rft.RftError) as info:
        rft.compile({"type": "json_schema", "schema": schema})
    assert "schema" in str(info.value)


def test_unresolvable_ref_is_a_bundle_error() -> None:
    with pytest.raises(rft.BundleError, match="cannot be compiled"):
        rft.compile({"type": "json_schema", "schema": {"$ref": "#/$defs/missing"}})


# -- batch vs single, direct use, bundles -------------------------------------------------


def test_batch_equals_one_sample_path() -> None:
    docs = ['{"genes": ["A"]}', "{", '{"genes": 2}', "", '{"genes": ["A", 1]}']
    batch = grade(GENES, docs, partial=True)
    single = [grade(GENES, [d], partial=True).scores[0] for d in docs]
    np.testing.assert_array_equal(batch.scores, single)


def test_direct_grader() -> None:
    grader = JsonSchemaGrader(JsonSchemaSpec(schema=GENES))
    out = grader.grade(Batch(['{"genes": []}', "x"], [{}, {}]))
    assert out.scores.tolist() == [1.0, 0.0]
    assert out.flags["sample_parse_error"].tolist() == [False, True]


def test_gene_rank_bundle_format_check() -> None:
    reward = rft.compile(ROOT / "graders" / "gene_rank.yaml")
    result = reward.score(['{"genes": ["FBN1"]}', '{"genes": [1]}'], [{"gene": "FBN1"}] * 2)
    assert result.sub_scores["format"].tolist() == [1, 0]
    assert result.scores.tolist() == [1, 0]


@settings(max_examples=80, deadline=None)
@given(text=st.text(max_size=300), partial=st.booleans())
def test_any_text_scores_finite_in_unit_interval(text: str, partial: bool) -> None:
    value = grade(PERSON, [text], partial=partial).scores[0]
    assert 0.0 <= value <= 1.0


@settings(max_examples=80, deadline=None)
@given(
    doc=st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**53), 2**53)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_agrees_with_python_jsonschema(doc) -> None:
    expected = jsonschema.Draft202012Validator(PERSON).is_valid(doc)
    assert grade(PERSON, [json.dumps(doc)]).scores[0] == float(expected)
