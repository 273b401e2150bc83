"""The tiny from-scratch model: saved with save_pretrained, loaded back with the Auto classes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("transformers", reason="needs the `train` extra")
from train_helpers import addition_rows, write_jsonl
from transformers import AutoModelForCausalLM, AutoTokenizer

from rft.train.tiny_model import build_tiny_model


def test_char_model_round_trips(tmp_path: Path) -> None:
    info = build_tiny_model(["12+34=46", "99+10=109"], tmp_path / "m")
    assert 100_000 < info["parameters"] < 1_000_000
    tok = AutoTokenizer.from_pretrained(tmp_path / "m")
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "m")
    assert model.config.vocab_size == len(tok) == info["vocab_size"]
    ids = tok("12+34=")["input_ids"]
    assert len(ids) == 6  # one token per character
    assert tok.decode(ids) == "12+34="
    assert tok.eos_token == "</s>" and tok.pad_token == "<pad>"
    out = model.generate(**tok(["12+34="], return_tensors="pt"), max_new_tokens=3, do_sample=False)
    assert out.shape == (1, 9) or out.shape[1] <= 9


def test_word_level_and_chat_template(tmp_path: Path) -> None:
    build_tiny_model(["the cat sat", "a dog ran"], tmp_path / "m", level="word")
    tok = AutoTokenizer.from_pretrained(tmp_path / "m")
    assert len(tok("the cat sat")["input_ids"]) == 5  # words and the spaces between them
    assert tok.decode(tok("the dog sat")["input_ids"]) == "the dog sat"
    chat = tok.apply_chat_template(
        [{"role": "user", "content": "the cat"}], add_generation_prompt=True, tokenize=False
    )
    assert chat == "the cat"


def test_whitespace_level_keeps_codes_whole(tmp_path: Path) -> None:
    texts = ["HP:0001250 HP:0000252 NOT HP:0001263 ->", '{ "genes" : [ "FBN1" , "SCN1A" ] }']
    build_tiny_model(texts, tmp_path / "m", level="whitespace")
    tok = AutoTokenizer.from_pretrained(tmp_path / "m")
    prompt = tok("HP:0000252 HP:0001250 ->")["input_ids"]
    assert len(prompt) == 3 and tok.unk_token_id not in prompt  # one token per code
    # A code is the same token first in a text or after a space (the space is part of it).
    assert prompt[1] == tok("HP:0001250")["input_ids"][0]
    answer = tok('{ "genes" : [ "SCN1A" ] }')["input_ids"]
    assert len(answer) == 7 and tok.decode(answer) == '{ "genes" : [ "SCN1A" ] }'
    # Prompt + " " + answer tokenize as prompt tokens then answer tokens (as SFT and RL join them;
    # without the space `->{` fuses: see test_warmup_refuses_a_target_that_fuses_with_the_prompt).
    joined = tok('HP:0000252 HP:0001250 -> { "genes" : [ "SCN1A" ] }')["input_ids"]
    assert joined == prompt + answer
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "m")
    out = model.generate(**tok(["HP:0001250 ->"], return_tensors="pt"), max_new_tokens=2)
    # Whatever the untrained model emits decodes to whole codes that re-encode to its own ids.
    new = [i for i in out[0, 2:].tolist() if i not in tok.all_special_ids]
    assert tok(tok.decode(new), add_special_tokens=False)["input_ids"] == new


def test_cli_init_tiny(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", addition_rows(10))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rft.cli.main",
            "models",
            "init-tiny",
            str(tmp_path / "m"),
            "--task",
            str(data),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "parameters" in result.stdout
    AutoModelForCausalLM.from_pretrained(tmp_path / "m")


def test_warmup_refuses_a_target_that_fuses_with_the_prompt(tmp_path: Path) -> None:
    pytest.importorskip("trl", reason="needs the `train` extra")
    from rft.errors import ConfigError
    from rft.train.config import JobConfig
    from rft.train.trainers import build_sft_trainer

    texts = ["HP:0001250 ->", '{ "genes" : [ "FBN1" ] }']
    build_tiny_model(texts, tmp_path / "m", level="whitespace")
    tok = AutoTokenizer.from_pretrained(tmp_path / "m")
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "m")
    job = JobConfig(model="m", train_file="t", valid_file="v", grader="g", use_cpu=True)
    rows = [{"prompt": "HP:0001250 ->"}]
    with pytest.raises(ConfigError, match="as one token") as caught:
        build_sft_trainer(job, model, tok, rows, ['{ "genes" : [ "FBN1" ] }'], tmp_path / "o")
    assert "warmup.target" in str(caught.value) and "leading space" in str(caught.value)
    # With the separator the trainer builds.
    build_sft_trainer(job, model, tok, rows, [' { "genes" : [ "FBN1" ] }'], tmp_path / "o")
