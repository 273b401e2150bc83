"""Regular expressions that run in linear time (RE2), for patterns that come from bundles and data.

Python's `re` backtracks: `^(a+)+$` against 28 a's and a b takes seconds, and doubles with
each more a, inside the training process. RE2 (google-re2) matches in time linear in the text
and refuses the two features that need backtracking (backreferences and lookarounds) when
the pattern is compiled, so a bad pattern is a load-time error, never a hang.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern to stderr
_OPTIONS.max_mem = 64 << 20  # a pattern whose automaton needs more is refused, not built


class RegexError(re.error):
    """A pattern RE2 refuses (bad syntax, a backreference, a lookaround, too large).

    A subclass of `re.error`, so code that caught Python's regex errors keeps working.
    """


def _message(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str, *, dotall: bool = False) -> Any:
    """Compile `pattern` with RE2 (cached). `dotall` makes `.` match newlines too.

    The result has `search`, `match`, `fullmatch`, `finditer`, `findall` and `sub` like a
    `re.Pattern`. Raises `RegexError` (a `re.error`) for patterns RE2 cannot run in linear
    time or at all, with a message that says so.
    """
    try:
        return re2.compile(f"(?s){pattern}" if dotall else pattern, _OPTIONS)
    except re2.error as exc:
        raise RegexError(
            f"{_message(exc)}; rft runs regexes with RE2 (linear time), which has no"
            " backreferences or lookarounds"
        ) from None


def search(pattern: str, text: str, *, dotall: bool = False) -> Any:
    """`compile_regex(pattern).search(text)`: the first match or None."""
    return compile_regex(pattern, dotall=dotall).search(text)
