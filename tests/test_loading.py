"""Loading bundles: YAML/JSON, OpenAI JSON unchanged, and errors that name file, line, field, fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rft
from rft.errors import BundleError, BundleErrors
from rft.spec import MultiSpec, RankedListSpec


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_yaml_bundle_loads_with_names_from_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b.yaml",
        """
type: multi
graders:
  rank: {type: ranked_list, input: "{{ sample.output_json.genes }}", reference: "{{ item.gene }}"}
  fmt: {type: json_schema, schema: {type: object}}
calculate_output: fmt * rank
""",
    )
    bundle = rft.load_bundle(path)
    assert isinstance(bundle.spec, MultiSpec)
    assert bundle.name == "b"  # from the file name when the bundle has none
    assert isinstance(bundle.spec.graders["rank"], RankedListSpec)
    assert bundle.spec.graders["rank"].name == "rank"
    assert bundle.line_of(("graders", "fmt")) == 5


def test_openai_grader_json_loads_unchanged(tmp_path: Path) -> None:
    openai = {
        "type": "string_check",
        "name": "Example string check grader",
        "input": "{{sample.output_text}}",
        "reference": "{{item.label}}",
        "operation": "eq",
    }
    path = write(tmp_path, "g.json", json.dumps(openai, indent=2))
    bundle = rft.load_bundle(path)
    assert bundle.name == "Example string check grader"
    # The run endpoint's `{"grader": {...}}` payload shape is accepted too.
    assert rft.load_bundle({"grader": openai}).spec.operation == "eq"


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "type: multi\ngraders:\n  a: {type: string_check\n")
    with pytest.raises(BundleError) as info:
        rft.load_bundle(path)
    text = str(info.value)
    assert str(path) in text and "invalid YAML" in text and "fix:" in text
    assert info.value.location.line == 4


def test_invalid_json_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{\n  "type": "string_check",\n  "reference": 1,\n}\n')
    with pytest.raises(BundleError) as info:
        rft.load_bundle(path)
    assert info.value.location.line == 4


def test_unknown_type_lists_types_and_suggests(tmp_path: Path) -> None:
    path = write(
        tmp_path, "t.yaml", "type: multi\ngraders:\n  r:\n    type: ranked_lst\n    reference: x\n"
    )
    with pytest.raises(BundleError) as info:
        rft.load_bundle(path)
    text = str(info.value)
    assert f"{path}:4" in text
    assert "graders.r.type" in text
    assert "ranked_list" in text and "did you mean `ranked_list`?" in text


def test_unknown_field_lists_allowed_fields_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "type: ranked_list\nreference: x\nscorng: ndcg\n")
    with pytest.raises(BundleError) as info:
        rft.load_bundle(path)
    error = info.value
    assert error.location.line == 3
    assert "allowed fields:" in str(error) and "scoring" in str(error)
    assert error.hint == "did you mean `scoring`?"


def test_nested_unknown_field_in_sub_model() -> None:
    with pytest.raises(BundleError) as info:
        rft.load_bundle({"type": "numeric", "reference": "1", "tolerance": {"abss": 0.1}})
    assert "tolerance.abss" in str(info.value) and "did you mean `abs`?" in str(info.value)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "m.yaml",
        "type: multi\ngraders:\n  a: {type: string_check, reference: x, operation: eqq}\n  b: {type: nope}\n",
    )
    with pytest.raises(BundleErrors) as info:
        rft.load_bundle(path)
    assert len(info.value.errors) == 2
    assert {e.location.line for e in info.value.errors} == {3, 4}


def test_missing_required_field() -> None:
    with pytest.raises(BundleError, match="missing required field `reference`"):
        rft.load_bundle({"type": "string_check"})


def test_template_and_formula_errors_surface_at_compile_with_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.yaml",
        'type: multi\ngraders:\n  a:\n    type: string_check\n    input: "{{ sample.output_txt }}"\n    reference: x\ncalculate_output: a * b\n',
    )
    with pytest.raises(BundleError) as info:
        rft.compile(path)
    assert info.value.location.line == 5 and "output_text" in str(info.value)
    path.write_text(
        "type: multi\ngraders:\n  a: {type: string_check, reference: x}\ncalculate_output: a * bb\n"
    )
    with pytest.raises(BundleError) as info:
        rft.compile(path)
    assert info.value.location.line == 4 and "unknown grader `bb`" in str(info.value)


def test_semantic_validation_errors() -> None:
    with pytest.raises(BundleError, match="not both"):
        rft.load_bundle(
            {
                "type": "multi",
                "graders": {"a": {"type": "string_check", "reference": "x"}},
                "calculate_output": "a",
                "weights": {"a": 1},
            }
        )
    with pytest.raises(BundleError, match="passing_labels"):
        rft.load_bundle(
            {
                "type": "label_model",
                "model": "m",
                "input": [{"role": "user", "content": "x"}],
                "labels": ["a", "b"],
                "passing_labels": ["c"],
            }
        )
    with pytest.raises(BundleError, match="range"):
        rft.load_bundle(
            {
                "type": "score_model",
                "model": "m",
                "input": [{"role": "user", "content": "x"}],
                "range": [1, 0],
            }
        )


def test_every_shipped_bundle_loads_and_compiles(repo: Path) -> None:
    bundles = sorted((repo / "graders").glob("*.yaml"))
    assert bundles, "graders/ ships bundles"
    for path in bundles:
        reward = rft.compile(path)
        assert reward.name
        reward.close()
