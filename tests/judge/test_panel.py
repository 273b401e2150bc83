"""`panel` against a real loopback chat-completions server: aggregation, agreement, failures."""

from __future__ import annotations

import pytest

import rft
from rft.graders.panel import agreement

ITEM = {"question": "What is 6 * 7?"}


def member(server, model: str, mode: str = "", **fields):
    spec = {
        "type": "score_model",
        "model": model,
        "range": [0, 10],
        "input": [{"role": "user", "content": "Grade: {{ sample.output_text }}"}],
        "endpoint": {"base_url": server.base_url(mode), "api_key_env": None},
        "max_retries": 0,
        "timeout_s": 2,
        "cache": False,
    }
    spec.update(fields)
    return spec


def panel(server, aggregate: str = "mean", failing: bool = True):
    judges = {
        "a": member(server, "judge-a"),
        "b": member(server, "judge-b"),
        "c": member(server, "judge-c"),
    }
    if failing:
        judges["down"] = member(server, "judge-d", "error500")
    return {"type": "panel", "name": "panel", "judges": judges, "aggregate": aggregate}


def sample(a, b, c) -> str:
    return "\n".join(
        f'REPLY[judge-{k}]: {{"result": {v}}}'
        for k, v in zip("abc", (a, b, c), strict=True)
        if v is not None
    )


@pytest.mark.parametrize(
    ("aggregate", "votes", "expected"),
    [
        ("mean", (6, 8, 4), 0.6),  # (6 + 8 + 4) / 3 / 10: the failed member is not a 0
        ("median", (6, 9, 4), 0.6),
        ("majority", (6, 6, 9), 0.6),
        ("min", (6, 8, 4), 0.4),
    ],
)
def test_aggregates_skip_the_failing_member(scripted_server, aggregate, votes, expected):
    with rft.compile(panel(scripted_server, aggregate)) as reward:
        s = reward.score([sample(*votes), sample(10, 10, 10)], [ITEM] * 2)
    assert s.scores.tolist() == pytest.approx([expected, 1.0])
    assert not s.any_error.any()
    d = s.details["panel"]
    assert d["failed_judges"] == [["down: model_grader_server_error"]] * 2
    assert d["judge.down"] == [None, None]
    assert d["judges_ok"] == [3, 3]
    assert d["agreement"][1] == 1.0


def test_agreement_and_spread_in_details(scripted_server):
    with rft.compile(panel(scripted_server)) as reward:
        s = reward.score([sample(10, 10, 0)], [ITEM])
    d = s.details["panel"]
    assert d["judge.a"] == [1.0] and d["judge.c"] == [0.0]
    assert d["agreement"] == [pytest.approx(1 / 3)]  # pairs: (1,1)=1, (1,0)=0, (1,0)=0
    assert d["spread"] == [1.0]
    frame = s.to_frame()
    assert frame["panel.agreement"].tolist() == [pytest.approx(1 / 3)]


def test_a_member_failing_on_one_sample_only(scripted_server):
    # judge-c has no scripted reply for the first sample: the plain fake server answers it
    # with `{"result": 0}`... so script an unparseable reply instead.
    texts = [sample(8, 6, None) + "\nREPLY[judge-c]: no idea", sample(8, 6, 4)]
    with rft.compile(panel(scripted_server, failing=False)) as reward:
        s = reward.score(texts, [ITEM] * 2)
    assert s.scores.tolist() == pytest.approx([0.7, 0.6])
    assert s.details["panel"]["failed_judges"] == [["c: model_grader_parse_error"], None]
    assert not s.any_error.any()


def test_every_member_failing_is_a_server_error(scripted_server):
    spec = {
        "type": "panel",
        "name": "panel",
        "judges": {
            "x": member(scripted_server, "judge-x", "error500"),
            "y": member(scripted_server, "judge-y", "badreply"),
        },
    }
    with rft.compile(spec) as reward:
        s = reward.score(["anything"], [ITEM])
    assert s.errors["model_grader_server_error"].tolist() == [True]
    assert not s.errors["model_grader_parse_error"].any()
    message = s.first_message(0)
    assert "every judge of the panel failed" in message
    assert "x: judge call failed: HTTP 500" in message
    assert "y: judge reply did not parse" in message
    assert s.scores.tolist() == [0.0]


def test_usage_sums_the_members(scripted_server):
    with rft.compile(panel(scripted_server, failing=False)) as reward:
        s = reward.score([sample(1, 2, 3)], [ITEM])
    assert s.usage["judge_calls"] == 3
    assert s.usage["judge_requests"] == 3


def test_agreement_statistic():
    assert agreement([1.0]) is None
    assert agreement([0.5, 0.5]) == 1.0
    assert agreement([1.0, 0.0]) == 0.0
    assert agreement([0.2, 0.6]) == pytest.approx(0.6)


def test_panel_needs_model_graders():
    with pytest.raises(rft.BundleError, match="judge `a` is a `string_check`; a panel's judges"):
        rft.load_bundle(
            {
                "type": "panel",
                "judges": {
                    "a": {
                        "type": "string_check",
                        "input": "x",
                        "reference": "x",
                        "operation": "eq",
                    },
                    "b": {
                        "type": "string_check",
                        "input": "x",
                        "reference": "x",
                        "operation": "eq",
                    },
                },
            }
        )


def test_one_model_twice_with_seeds_and_a_rubric_member(scripted_server, tmp_path):
    rubric = {
        "type": "rubric",
        "model": "judge-r",
        "criteria": [{"name": "ok", "description": "Is it right?", "choices": ["no", "yes"]}],
        "input": [{"role": "user", "content": "{{ sample.output_text }}"}],
        "endpoint": {"base_url": scripted_server.base_url(), "api_key_env": None},
        "cache": str(tmp_path / "cache"),
    }
    spec = {
        "type": "panel",
        "name": "panel",
        "judges": {
            "first": member(scripted_server, "judge-a", sampling_params={"seed": 1}),
            "second": member(scripted_server, "judge-a", sampling_params={"seed": 2}),
            "rubric": rubric,
        },
        "aggregate": "min",
    }
    text = (
        'REPLY[judge-a]: {"result": 9}\n'
        'REPLY[judge-r]: {"criteria": [{"name": "ok", "reason": "r", "verdict": "yes"}]}'
    )
    with rft.compile(spec) as reward:
        s = reward.score([text], [ITEM])
    assert scripted_server.by_mode["judge-a"] == 2  # two seeds: two requests
    assert s.details["panel"]["judge.rubric"] == [1.0]
    assert s.scores.tolist() == pytest.approx([0.9])


def test_json_usage_counts_each_member_model(scripted_server, tmp_path):
    """`rft graders run --json`: each panel member's tokens under its own model name."""
    import json

    from typer.testing import CliRunner

    from rft.cli.main import app

    judges = {"a": member(scripted_server, "judge-a"), "b": member(scripted_server, "judge-b")}
    bundle = tmp_path / "panel.json"
    bundle.write_text(json.dumps({"type": "panel", "name": "panel", "judges": judges}))
    data = tmp_path / "items.jsonl"
    data.write_text(json.dumps(ITEM) + "\n" + json.dumps(ITEM) + "\n")
    # judge-a replies 13 characters (3 completion tokens at the fake server's 4 chars a
    # token), judge-b 45 (11 tokens); every call bills 20 prompt tokens.
    reply_a = 'REPLY[judge-a]: {"result": 6}'
    reply_b = 'REPLY[judge-b]: {"result": 8, "reason": "right and complete"}'
    reply_0 = 'REPLY[*]: {"result": 0}'  # both judges, 13 characters: 3 tokens
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps(f"{reply_a}\n{reply_b}") + "\n" + json.dumps(reply_0) + "\n")
    result = CliRunner().invoke(
        app,
        ["graders", "run", str(bundle), "--data", str(data), "--samples", str(samples), "--json"],
    )
    assert result.exit_code == 0, result.output
    first = json.loads(result.output.splitlines()[0])
    # Per sample = the batch's usage / 2: judge-a billed 3 + 3 completion tokens, judge-b
    # 11 + 3; the panel's total is their sum.
    assert first["model_grader_token_usage_per_model"] == {
        "judge-a": {
            "prompt_tokens": 20.0,
            "completion_tokens": 3.0,
            "total_tokens": 23.0,
            "cached_tokens": 0.0,
        },
        "judge-b": {
            "prompt_tokens": 20.0,
            "completion_tokens": 7.0,
            "total_tokens": 27.0,
            "cached_tokens": 0.0,
        },
    }
    assert first["metadata"]["token_usage"] == {
        "prompt_tokens": 40.0,
        "completion_tokens": 10.0,
        "total_tokens": 50.0,
        "cached_tokens": 0.0,
    }
    assert first["reward"] == pytest.approx(0.7)
    assert first["sub_rewards"] == {}  # a panel is not a `multi`: no sub_rewards


def test_a_missing_item_field_is_reported_once_per_judge(scripted_server):
    judges = {
        "a": member(
            scripted_server, "judge-a", input=[{"role": "user", "content": "{{ item.q }}"}]
        ),
        "b": member(scripted_server, "judge-b"),
    }
    with rft.compile({"type": "panel", "name": "panel", "judges": judges}) as reward:
        assert reward.check_items([{}]) == ["row 1: grader `a` reads `item.q`, which is missing"]
