"""Tool calls in validation episodes run as TRL's GRPO tool loop runs them in training."""

from __future__ import annotations

from rft.train.episodes import tool_message


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def broken(x: str) -> str:
    """Always fails."""
    raise RuntimeError(f"cannot do {x}")


TOOLS = {"add": add, "broken": broken}


def call(name: str, arguments: object, kind: str = "function") -> dict:
    return {"type": kind, "function": {"name": name, "arguments": arguments}}


def test_a_call_runs_the_tool_and_its_result_is_text() -> None:
    assert tool_message(TOOLS, call("add", {"a": 2, "b": 40})) == {
        "role": "tool",
        "name": "add",
        "content": "42",
    }


def test_failures_are_the_tools_answer_as_in_trl() -> None:
    # TRL: `result = {"error": str(e)}`, then `str(result)` as the tool message's content.
    assert tool_message(TOOLS, call("broken", {"x": "it"}))["content"] == str(
        {"error": "cannot do it"}
    )
    assert tool_message(TOOLS, call("nope", {}))["content"] == str(
        {"error": "Tool nope not found."}
    )
    wrong_args = tool_message(TOOLS, call("add", {"a": 1}))["content"]
    assert wrong_args.startswith("{'error': ") and "missing 1 required positional" in wrong_args
    assert tool_message(TOOLS, call("add", "2, 40"))["content"] == str(
        {"error": "Tool add arguments are not an object: '2, 40'"}
    )
    assert tool_message(TOOLS, call("add", {"a": 1, "b": 2}, kind="code"))["content"] == str(
        {"error": "Unsupported tool call type: code"}
    )
