"""Greedy multi-turn episodes with the job's tools, for validation of a `tools:` job.

GRPO with `tools:` trains on trajectories (TRL runs each tool call and feeds the result back),
so validation must grade trajectories too: a single-turn completion stops at the first call
and the episode grader would see no tool result. Turns are parsed with TRL's own
`parse_response` and tools are run the way TRL's `_tool_call_loop` runs them (an exception
becomes `{"error": "..."}` as the tool message), so what validation grades is what training
graded, minus the sampling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Tool = Callable[..., Any]
Message = dict[str, Any]


def tool_message(tools: Mapping[str, Tool], call: Mapping[str, Any]) -> Message:
    """Run one parsed tool call; a failure is the tool's answer, as in TRL's training loop."""
    function = call.get("function") or {}
    name = function.get("name", call.get("name", "unknown"))
    arguments = function.get("arguments")
    try:
        if call.get("type", "function") != "function":
            raise ValueError(f"Unsupported tool call type: {call.get('type')}")
        if name not in tools:
            raise ValueError(f"Tool {name} not found.")
        if not isinstance(arguments, Mapping):
            raise ValueError(f"Tool {name} arguments are not an object: {arguments!r}")
        result: Any = tools[name](**arguments)
    except Exception as exc:  # the tool's error is text for the policy, as TRL does
        result = {"error": str(exc)}
    content = result if isinstance(result, list) else str(result)
    return {"role": "tool", "name": name, "content": content}


def run_episode(
    model: Any,
    tokenizer: Any,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Tool],
    *,
    max_new_tokens: int,
    max_tool_rounds: int,
) -> list[Message]:
    """The model's greedy turns (and the tool messages between them) after `messages`.

    Stops at a turn without tool calls, after `max_tool_rounds` rounds of calls (TRL's
    `max_tool_calling_iterations`), or when the episode's turns have used `max_new_tokens`
    generated tokens in all (TRL bounds a whole trajectory by `max_completion_length`).
    """
    import torch  # heavy: only a tools job evaluates episodes
    from trl.chat_template_utils import parse_response  # heavy: TRL's turn parser

    by_name = {tool.__name__: tool for tool in tools}
    episode: list[Message] = []
    pad_id = (
        tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    )
    device = next(model.parameters()).device
    left = max_new_tokens
    for round_number in range(max_tool_rounds + 1):
        prompt = tokenizer.apply_chat_template(
            [dict(m) for m in messages] + episode,
            tools=list(tools),
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        )
        prompt = {k: v.to(device) for k, v in prompt.items()}
        with torch.no_grad():
            out = model.generate(
                **prompt,
                do_sample=False,
                max_new_tokens=left,
                pad_token_id=pad_id,
                temperature=None,
                top_k=None,
                top_p=None,
            )
        prefix = prompt["input_ids"][0].tolist()
        generated = out[0][len(prefix) :].tolist()
        left -= len(generated)
        turn = parse_response(tokenizer, generated, prefix=prefix, tools=list(tools))
        episode.append(turn)
        calls = turn.get("tool_calls") or []
        if not calls or round_number == max_tool_rounds or left <= 0:
            break
        episode += [tool_message(by_name, call) for call in calls]
    return episode


def run_episodes(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Sequence[Mapping[str, Any]]],
    tools: Sequence[Tool],
    *,
    max_new_tokens: int,
    max_tool_rounds: int,
) -> list[list[Message]]:
    """`run_episode` for each chat prompt (the model is left in the mode it had)."""
    was_training = model.training
    model.eval()
    try:
        return [
            run_episode(
                model,
                tokenizer,
                prompt,
                tools,
                max_new_tokens=max_new_tokens,
                max_tool_rounds=max_tool_rounds,
            )
            for prompt in prompts
        ]
    finally:
        model.train(was_training)
