"""The calculator example's tool, chat format and tiny tool-calling model (all offline).

- `calculator(expression)`: the tool the policy may call, a safe evaluator of integer
  arithmetic (`+ - *` and parentheses); TRL's GRPOTrainer runs it between turns (`tools=`).
- `CHAT_TEMPLATE` / `RESPONSE_TEMPLATE`: a minimal chat format with tool calls, and the
  `response_template` transformers' `parse_response` reads tool calls back with. TRL needs
  both for multi-turn training: the template must render a whole tool conversation
  (`user -> assistant with tool_calls -> tool`) and preserve prefixes.
- `build_tiny_model`: a ~0.15M parameter Llama with a word-level tokenizer trained on
  demonstration conversations, built from scratch (nothing is downloaded).

A demonstration: ``user: 12+34`` -> ``assistant: <call>{"name": "calculator", "arguments":
{"expression": "12+34"}}</call></s>`` -> ``tool: 46`` -> ``assistant: 46</s>``.
"""

from __future__ import annotations

import ast
import json
import operator
from pathlib import Path
from typing import Any

# One turn per line; an assistant turn ends with the EOS token (generation stops there) and
# holds either its text or its tool calls, each as `<call>{"name": ..., "arguments": ...}</call>`.
# The tools' schemas are not rendered: the tiny model knows its one tool from training (a real
# model's template lists them), so SFT, GRPO and evaluation prompts are the same text.
CHAT_TEMPLATE = (
    "{%- for m in messages %}"
    "{%- if m.role == 'assistant' %}assistant: {{ m.content or '' }}"
    "{%- for c in m.tool_calls or [] %}<call>"
    '{{ {"name": c.function.name, "arguments": c.function.arguments} | tojson }}</call>'
    "{%- endfor %}{{ eos_token }}{{ '\\n' }}"
    "{%- else %}{{ m.role }}: {{ m.content }}{{ '\\n' }}{% endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}assistant: {% endif %}"
)

# How transformers' `tokenizer.parse_response` reads an assistant turn of CHAT_TEMPLATE back:
# every `<call>…</call>` is a JSON tool call, the rest up to EOS the text.
RESPONSE_TEMPLATE: dict[str, Any] = {
    "defaults": {"role": "assistant"},
    "start_anchor": "assistant: ",
    "fields": {
        "tool_calls": {
            "open": "<call>",
            "close_pattern": r"</call>",
            "repeats": True,
            "content": "json",
            "transform": {"type": "function", "function": "{content}"},
        },
        "content": {"close_pattern": r"</s>\s*", "content": "text"},
    },
}

# The fixed text around a calculator call's expression: whole tokens of the tiny model's
# vocabulary (as a BPE trained on tool-call transcripts would merge them), so a call is five
# tokens and the untrained model learns its format in a short warm-up.
CALL_PIECES = ['<call>{"name": "calculator", "arguments": {"expression": "', '"}}</call>']

_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _evaluate(node: ast.AST) -> int:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) < 10**6:
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    raise ValueError("only integers, + - * and parentheses")


def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression of integers.

    Args:
        expression: integers with +, - and * and parentheses, for example 12+34.

    Returns:
        The value, or an error message.
    """
    if len(expression) > 64:
        return "error: expression too long"
    try:
        return str(_evaluate(ast.parse(expression, mode="eval")))
    except (SyntaxError, ValueError, RecursionError) as exc:
        return f"error: {exc}"


def demonstration(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The ideal episode of a row `{"messages": [user message], "answer": …}`: call, result,
    answer (what follows the row's messages)."""
    expression = row["messages"][-1]["content"]
    call = {
        "type": "function",
        "function": {"name": "calculator", "arguments": {"expression": expression}},
    }
    return [
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "name": "calculator", "content": calculator(expression)},
        {"role": "assistant", "content": row["answer"]},
    ]


def build_tiny_model(
    rows: list[dict[str, Any]], out_dir: str | Path, seed: int = 0
) -> dict[str, Any]:
    """A tiny Llama and a word-level tokenizer that knows CHAT_TEMPLATE and RESPONSE_TEMPLATE.

    The tokenizer is trained on every row's rendered demonstration (so every word, number and
    run of punctuation of the format is one token); the model is randomly initialised.
    """
    from rft.train.tiny_model import build_tokenizer, save_tiny_llama

    probe = build_tokenizer(["x"], level="word")
    probe.chat_template = CHAT_TEMPLATE
    texts = [
        probe.apply_chat_template(
            r["messages"] + demonstration(r), tools=[calculator], tokenize=False
        )
        for r in rows
    ]
    tokenizer = build_tokenizer(texts, level="word")
    tokenizer.add_tokens(CALL_PIECES)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.response_template = RESPONSE_TEMPLATE
    return save_tiny_llama(tokenizer, out_dir, seed=seed)


if __name__ == "__main__":
    print(json.dumps(calculator("12+34")))
