"""One `prompt_of`: a row is trained and evaluated on the same prompt, whatever fields it has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rft.errors import DataError
from rft.eval import EvalConfig, evaluate
from rft.prompts import prompt_of, prompt_text
from rft.train.data import prompt_key

CHAT = [{"role": "system", "content": "Answer in tags."}, {"role": "user", "content": "3+3="}]
BOTH = {"id": "both", "prompt": "2+2=", "messages": CHAT, "answer": "6"}


def test_messages_win_over_prompt_and_an_explicit_field_wins_over_both() -> None:
    assert prompt_of(BOTH) == CHAT
    assert prompt_of(BOTH, "prompt") == "2+2="
    assert prompt_of({"prompt": "2+2="}) == "2+2="
    # TRL's conversational rows keep their chat under `prompt`.
    assert prompt_of({"prompt": CHAT}) == CHAT


def test_a_trailing_assistant_turn_is_dropped_and_the_row_is_not_changed() -> None:
    row = {"messages": [*CHAT, {"role": "assistant", "content": "<answer>6</answer>"}]}
    assert prompt_of(row) == CHAT
    assert len(row["messages"]) == 3


def test_a_row_without_a_prompt_names_what_it_has() -> None:
    with pytest.raises(DataError, match=r"no prompt field \(messages or prompt\); it has: answer"):
        prompt_of({"answer": "6"})
    with pytest.raises(DataError, match=r"no prompt field \(question\)"):
        prompt_of(BOTH, "question")


def test_a_row_with_both_fields_is_trained_and_evaluated_on_the_same_prompt(
    tmp_path: Path,
) -> None:
    """Before one definition, training read `messages` and eval read `prompt` of such a row."""
    # TRL's dataset: the `train` extra ("datasets" alone would find the repo's datasets/ folder).
    pytest.importorskip("trl")
    from rft.train.trainers import rl_dataset

    trained_on = rl_dataset([BOTH])[0]["prompt"]
    assert trained_on == CHAT
    data = tmp_path / "valid.jsonl"
    data.write_text(json.dumps(BOTH) + "\n")
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text(
        "name: exact\ntype: string_check\ninput: '{{ sample.output_text }}'\n"
        "reference: '{{ item.answer }}'\noperation: eq\n"
    )
    outputs = tmp_path / "answers.jsonl"
    outputs.write_text(json.dumps({"output_text": "6"}) + "\n")
    result = evaluate(EvalConfig(data, bundle, tmp_path / "eval", outputs=outputs))
    assert result.frame["prompt"].tolist() == [prompt_text(trained_on)]
    assert result.frame["prompt"].tolist() == ["system: Answer in tags.\nuser: 3+3="]


def test_the_split_overlap_key_reads_the_same_prompt() -> None:
    assert prompt_key(BOTH) == json.dumps(CHAT, sort_keys=True)
