"""The prompt of a data row: one definition for training (`rft train`) and evaluation (`rft eval`).

Precedence, when a row has both fields: `messages` first, then `prompt`. `messages` is the
field OpenAI's RFT JSONL documents (one chat per line, the grader's `item` fields beside it),
and TRL's conversational datasets carry their chat under `prompt`; a row with both is trained
and evaluated on its `messages`. An explicit field (`rft eval --prompt-field`) overrides both.

A chat is returned as a list of `{role, content, ...}` dicts without its trailing assistant
turn(s): SFT-style rows end with the answer, and the model must write that turn itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rft.errors import DataError

PROMPT_FIELDS = ("messages", "prompt")
"""Where a row's prompt is looked for, in order of precedence."""

Prompt = str | list[dict[str, Any]]


def prompt_of(row: Mapping[str, Any], field: str | None = None) -> Prompt:
    """The prompt to generate from: `field` if given, else `messages`, else `prompt`.

    >>> prompt_of({"prompt": "2+2=", "messages": [{"role": "user", "content": "3+3="}]})
    [{'role': 'user', 'content': '3+3='}]
    >>> prompt_of({"messages": [{"role": "user", "content": "hi"},
    ...                         {"role": "assistant", "content": "hello"}]})
    [{'role': 'user', 'content': 'hi'}]
    >>> prompt_of({"prompt": "2+2="})
    '2+2='

    Raises `DataError` when the row has none of the fields.
    """
    names = (field,) if field else PROMPT_FIELDS
    for name in names:
        if name not in row:
            continue
        value = row[name]
        if not isinstance(value, list):
            return str(value)
        messages = [dict(m) if isinstance(m, Mapping) else m for m in value]
        while (
            messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant"
        ):
            messages.pop()
        return messages
    raise DataError(
        f"row has no prompt field ({' or '.join(names)}); it has: {', '.join(row) or 'nothing'}",
        hint="give each row `messages` (a chat) or `prompt` (text), or name the field with --prompt-field",
    )


def prompt_text(prompt: Any) -> str:
    """A prompt as readable text: chat messages become `role: content` lines.

    >>> prompt_text([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2="}])
    'system: Be brief.\\nuser: 2+2='
    """
    if isinstance(prompt, str):
        return prompt
    return "\n".join(
        f"{m.get('role', '?')}: {m.get('content', '')}" if isinstance(m, Mapping) else str(m)
        for m in prompt
    )
