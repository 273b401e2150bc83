"""Safe, vectorized formulas for `multi.calculate_output` (never `eval`).

The formula is parsed with Python's `ast` (which only builds a tree), checked against a
whitelist — numbers, grader names, `+ - * / ^ **`, unary minus, and the functions
`min max abs floor ceil exp sqrt log` — and evaluated with numpy over whole score arrays.

`^` means power, as in OpenAI's grader formulas and in mathematics: it binds tighter than
`* /` and unary minus and is right-associative (`0.5 * a ^ 2` = 0.5·a², `2 ^ 3 ^ 2` = 512,
`-2 ^ 2` = -4). It is read as Python's `**`, which has exactly those rules; a formula has no
strings, so no `^` means anything else.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from functools import reduce

import numpy as np

from rft.errors import did_you_mean

FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "min": lambda *a: reduce(np.minimum, a),
    "max": lambda *a: reduce(np.maximum, a),
    "abs": np.abs,
    "floor": np.floor,
    "ceil": np.ceil,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "log": np.log,
}
_ARITY = {"abs": 1, "floor": 1, "ceil": 1, "exp": 1, "sqrt": 1, "log": 1}

_BINARY = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
}


class FormulaError(ValueError):
    """The formula does not parse or uses something outside the whitelist."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class Formula:
    """A compiled formula over named score arrays."""

    def __init__(self, source: str, names: Sequence[str]) -> None:
        self.source = source
        self.names = tuple(names)
        try:
            tree = ast.parse(source.strip().replace("^", "**"), mode="eval")
        except SyntaxError as exc:
            raise FormulaError(
                f"formula does not parse: {exc.msg} in {source!r}",
                hint="use grader names, numbers, + - * / ^, parentheses and min max abs floor ceil exp sqrt log",
            ) from None
        self.variables: set[str] = set()
        self._check(tree.body)
        self._tree = tree.body

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise FormulaError(f"only numbers are allowed as constants, got {node.value!r}")
        elif isinstance(node, ast.Name):
            if node.id not in self.names:
                hint = did_you_mean(node.id, self.names) or f"graders here: {', '.join(self.names)}"
                raise FormulaError(f"formula names unknown grader `{node.id}`", hint=hint)
            self.variables.add(node.id)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise FormulaError(
                    f"operator `{ast.unparse(node)}` is not allowed", hint="use + - * / ^"
                )
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            self._check(node.operand)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = getattr(node.func, "id", ast.unparse(node.func))
                hint = did_you_mean(name, FUNCTIONS) or f"functions: {', '.join(FUNCTIONS)}"
                raise FormulaError(f"function `{name}` is not allowed", hint=hint)
            if node.keywords or not node.args:
                raise FormulaError(f"`{node.func.id}` takes positional arguments only")
            arity = _ARITY.get(node.func.id)
            if arity is not None and len(node.args) != arity:
                raise FormulaError(
                    f"`{node.func.id}` takes {arity} argument(s), got {len(node.args)}"
                )
            for arg in node.args:
                self._check(arg)
        else:
            raise FormulaError(f"`{ast.unparse(node)}` is not allowed in a formula")

    def evaluate(self, values: Mapping[str, np.ndarray], n: int) -> np.ndarray:
        """Evaluate over arrays of length `n` (non-finite results are left for the caller to flag)."""
        with np.errstate(all="ignore"):
            result = self._eval(self._tree, values)
            return np.broadcast_to(np.asarray(result, dtype=np.float64), (n,)).copy()

    def _eval(self, node: ast.AST, values: Mapping[str, np.ndarray]) -> np.ndarray | float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](
                self._eval(node.left, values), self._eval(node.right, values)
            )
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, values)
            return -operand if isinstance(node.op, ast.USub) else operand
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        args = [np.asarray(self._eval(a, values), dtype=np.float64) for a in node.args]
        return FUNCTIONS[node.func.id](*args)
