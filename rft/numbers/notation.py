"""Surface notation: map a written answer to the small ASCII grammar the parser reads.

Unicode first (before NFKC, which would turn `10³` into `103` and `1½` into `11⁄2`):
superscripts become `^{…}`, subscripts `_{…}`, vulgar fractions `(n/d)` (added to a
preceding integer: `1½` = `(1+1/2)`), every dash-like minus sign `-`. Then LaTeX: math
delimiters, `\\text{}` wrappers (content kept), spacing commands, `\\left`/`\\right`,
`\\dfrac`, `\\cdot`/`\\times`, `\\{`…`\\}`, relation and set commands to one spelling each.
Last, mixed numbers (`1 1/2`, `2\\frac{1}{4}`) and space-grouped thousands (`7 654 321`,
`4\\,321`) are joined.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾ⁿ", "0123456789-+()n")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₋₊", "0123456789-+")
_SUPERSCRIPT_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾ⁿ]+")
_SUBSCRIPT_RUN = re.compile(r"[₀₁₂₃₄₅₆₇₈₉₋₊]+")
_VULGAR = {
    "½": "1/2",
    "⅓": "1/3",
    "⅔": "2/3",
    "¼": "1/4",
    "¾": "3/4",
    "⅕": "1/5",
    "⅖": "2/5",
    "⅗": "3/5",
    "⅘": "4/5",
    "⅙": "1/6",
    "⅚": "5/6",
    "⅐": "1/7",
    "⅛": "1/8",
    "⅜": "3/8",
    "⅝": "5/8",
    "⅞": "7/8",
    "⅑": "1/9",
    "⅒": "1/10",
}
_VULGAR_RUN = re.compile(rf"(?<!\d)(\d*)\s*([{''.join(_VULGAR)}])")
_UNICODE = str.maketrans(
    {
        "−": "-",  # minus sign
        "–": "-",  # en dash
        "—": "-",  # em dash
        "‒": "-",  # figure dash
        "‐": "-",  # hyphen
        "‑": "-",  # non-breaking hyphen
        "﹣": "-",
        "➖": "-",
        "×": "*",
        "·": "*",
        "⋅": "*",
        "÷": "/",
        "⁄": "/",
        "π": " pi ",
        "√": "sqrt",
        "°": r"^\circ ",
        "∞": r"\infty ",
        "∅": r"\emptyset ",
        "±": r"\pm ",
        "∓": r"\mp ",
        "∪": r"\cup ",
        "≤": r"\le ",
        "≥": r"\ge ",
        "≠": r"\ne ",
        "≈": r"\approx ",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
        "\u2008": " ",
        "\u200a": " ",
        "\u200b": "",
    }
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_TEXT_MACRO = re.compile(
    r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mathit|mbox|operatorname)\s*\{([^{}]*)\}"
)


def _repeating(match: re.Match[str]) -> str:
    """`1.2\\overline{3}` as the exact fraction it denotes: `(37/30)`."""
    whole, fixed, cycle = match.group(1) or "0", match.group(2), match.group(3)
    head = int(whole + fixed)  # the number without its cycle, scaled by 10^len(fixed)
    value = Fraction(int(whole + fixed + cycle) - head, 10 ** len(fixed) * (10 ** len(cycle) - 1))
    return f"({value.numerator}/{value.denominator})"


_LATEX_SUBS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        # currency and angle signs next to a number become unit words (`\$15` -> `15 dollar`),
        # so they differ from another unit (`15 cents`, `45 radians`); elsewhere they drop.
        (r"\\\$\s*(\d[\d,]*(?:\.\d+)?)", r"\1 dollar "),
        # `\cos 60^\circ` is the cosine of 60 degrees (pi/3), not of 60 radians
        (
            r"\\(sin|cos|tan|cot|sec|csc)\s*(\()?\s*(\d+(?:\.\d+)?)\s*\^\s*\{?\s*\\circ\s*\}?",
            r"\\\1\2(\3*pi/180)",
        ),
        (r"(\d)\s*(?:\^\s*\{?\s*\\circ\s*\}?|\\degree(?![A-Za-z]))", r"\1 deg "),
        (r"\\\$", ""),
        (r"\$", ""),
        (r"\\[()\[\]]", " "),
        (r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])\s*(\\?[()\[\]{}|.])?", r"\1"),
        (r"\\(?:displaystyle|quad|qquad)(?![A-Za-z])", " "),
        (r"\\!", ""),
        (r"\\[,;: ]|~", " "),
        (r"\{,\}", ","),
        (r"\\%", "%"),
        (r"\^\s*\{?\s*\\circ\s*\}?", ""),
        (r"(?<![\d.])(\d*)\.(\d*)\\(?:overline|bar)\s*\{(\d+)\}", _repeating),
        (r"\\[dt]frac", r"\\frac"),
        (r"\\[dt]binom", r"\\binom"),
        # `{n \choose k}` (TeX's infix binomial) is `\binom{n}{k}`
        (r"(?<!\\)\{\s*([^{}]+?)\s*\\choose(?![A-Za-z])\s*([^{}]+?)\s*\}", r"\\binom{\1}{\2}"),
        (r"(?<!\w)(\w+)\s*\\choose(?![A-Za-z])\s*(\w+)", r"\\binom{\1}{\2}"),
        (r"\\(frac|binom)\s*(\d)\s*(\d)", r"\\\1{\2}{\3}"),
        (r"\\sqrt\s*(\d)", r"\\sqrt{\1}"),
        (r"\\(?:cdot|times|ast)(?![A-Za-z])", "*"),
        (r"\\div(?![A-Za-z])", "/"),
        (r"\\pi(?![A-Za-z])", " pi "),
        (r"\\(?:lbrace|\{)", "{"),
        (r"\\(?:rbrace|\})", "}"),
        (r"\\varnothing(?![A-Za-z])", r"\\emptyset"),
        (r"\\(?:leq|leqslant)(?![A-Za-z])", r"\\le"),
        (r"\\(?:geq|geqslant)(?![A-Za-z])", r"\\ge"),
        (r"\\lt(?![A-Za-z])", "<"),
        (r"\\gt(?![A-Za-z])", ">"),
        (r"\\(?:neq)(?![A-Za-z])", r"\\ne"),
        (r"\\(?:infin|infinity)(?![A-Za-z])", r"\\infty"),
    )
)
_NEGATIVE_INFINITY = re.compile(r"\bnegative\s+(?:infinity|\\infty)\b", re.IGNORECASE)
_LOG_BASE_NAME = re.compile(r"(?<![A-Za-z\\])log(\d+)(?=\s*\()")
_MIXED = re.compile(
    r"(?<![\d.^_*/])(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}|(?<![\d.^_*/])(\d+) +(\d+)/(\d+)(?!\d|\.\d)"
)
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,_^])\d{1,3}(?: \d{3})+(?![\d,/]| *\\frac)")


def _mixed(match: re.Match[str]) -> str:
    whole, num, den = (g for g in match.groups() if g is not None)
    if int(num) >= int(den) or int(den) == 0:
        return match.group()  # `2\frac{5}{3}` is a product, not a mixed number
    return f"({whole}+{num}/{den})"


def _superscript(match: re.Match[str]) -> str:
    return "^{" + match.group().translate(_SUPERSCRIPTS) + "}"


def _subscript(match: re.Match[str]) -> str:
    return "_{" + match.group().translate(_SUBSCRIPTS) + "}"


def _vulgar(match: re.Match[str]) -> str:
    whole, fraction = match.groups()
    return f"({whole}+{_VULGAR[fraction]})" if whole else f"({_VULGAR[fraction]})"


def _digit(match: re.Match[str]) -> str:
    ch = match.group()
    value = unicodedata.decimal(ch, None)
    return str(value) if value is not None else ch


def unicode_to_ascii(text: str) -> str:
    """Superscripts, subscripts, vulgar fractions, minus signs and digits to ASCII forms."""
    if text.isascii():
        return text
    text = _SUPERSCRIPT_RUN.sub(_superscript, text)
    text = _SUBSCRIPT_RUN.sub(_subscript, text)
    text = _VULGAR_RUN.sub(_vulgar, text)
    text = unicodedata.normalize("NFKC", text).translate(_UNICODE)
    return _NON_ASCII.sub(_digit, text)


def normalize(text: str) -> str:
    """Map a candidate answer to the ASCII grammar of the parser (structure is kept)."""
    text = unicode_to_ascii(text)
    if "\\" in text or "$" in text or "{," in text:
        text = _TEXT_MACRO.sub(r" \1 ", _TEXT_MACRO.sub(r" \1 ", text))
        for pattern, replacement in _LATEX_SUBS:
            text = pattern.sub(replacement, text)
    if "**" in text:
        text = text.replace("**", "^")
    if "negative" in text or "log" in text:
        text = _NEGATIVE_INFINITY.sub("-infinity", text)
        text = _LOG_BASE_NAME.sub(r"\\log_{\1}", text)  # `log2(8)`: the base-2 logarithm
    if " " in text or "\\frac" in text:
        text = _MIXED.sub(_mixed, text)
        text = _SPACED_THOUSANDS.sub(lambda m: m.group().replace(" ", ""), text)
    return text.strip()


# -- units ---------------------------------------------------------------------------------

_UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "mm": ("mm", "millimeter", "millimetre"),
    "cm": ("cm", "centimeter", "centimetre"),
    "m": ("m", "meter", "metre"),
    "km": ("km", "kilometer", "kilometre"),
    "in": ("inch", "inches"),
    "ft": ("ft", "foot", "feet"),
    "yd": ("yd", "yard"),
    "mi": ("mi", "mile"),
    "mg": ("mg", "milligram"),
    "g": ("g", "gram", "gramme"),
    "kg": ("kg", "kilogram", "kilo"),
    "t": ("tonne", "ton"),
    "lb": ("lb", "lbs", "pound"),
    "oz": ("oz", "ounce"),
    "ms": ("ms", "millisecond"),
    "s": ("s", "sec", "secs", "second"),
    "min": ("min", "mins", "minute"),
    "h": ("h", "hr", "hrs", "hour"),
    "day": ("day",),
    "week": ("week",),
    "month": ("month",),
    "year": ("year", "yr", "yrs"),
    "ml": ("ml", "milliliter", "millilitre"),
    "l": ("l", "liter", "litre"),
    "gal": ("gal", "gallon"),
    "cup": ("cup",),
    "dollar": ("dollar", "usd", "buck"),
    "cent": ("cent", "cents"),
    "euro": ("euro", "eur"),
    "deg": ("degree", "deg"),
    "rad": ("radian", "rad"),
    "%": ("percent", "pct", "percentage"),
}
UNITS: dict[str, str] = {
    alias: unit for unit, aliases in _UNIT_ALIASES.items() for alias in aliases
}
_SCALES: dict[str, tuple[str, Fraction]] = {
    "mm": ("length", Fraction(1, 1000)),
    "cm": ("length", Fraction(1, 100)),
    "m": ("length", Fraction(1)),
    "km": ("length", Fraction(1000)),
    "in": ("length", Fraction(254, 10000)),
    "ft": ("length", Fraction(3048, 10000)),
    "yd": ("length", Fraction(9144, 10000)),
    "mi": ("length", Fraction(1609344, 1000)),
    "mg": ("mass", Fraction(1, 1000)),
    "g": ("mass", Fraction(1)),
    "kg": ("mass", Fraction(1000)),
    "ms": ("time", Fraction(1, 1000)),
    "s": ("time", Fraction(1)),
    "min": ("time", Fraction(60)),
    "h": ("time", Fraction(3600)),
    "day": ("time", Fraction(86400)),
    "week": ("time", Fraction(604800)),
    "ml": ("volume", Fraction(1, 1000)),
    "l": ("volume", Fraction(1)),
    "dollar": ("money", Fraction(1)),
    "cent": ("money", Fraction(1, 100)),
}
"""Exact factors between units of one dimension (SI definitions); months, years, tons,
pounds and gallons vary by convention, so they convert to nothing."""


def unit_scale(unit: str) -> tuple[str, Fraction] | None:
    """(dimension, factor to its base unit) of a canonical unit: `cm^2` -> ("length^2", 1/10000).

    None for a unit without an exact conversion (`year`) or a compound one (`km/h`).
    """
    base, _, power = unit.partition("^")
    found = _SCALES.get(base)
    if found is None or (power and not power.isdigit()):
        return None
    n = int(power or 1)
    if n == 3 and found[0] == "length":
        return "volume", found[1] ** 3 * 1000  # 1 m^3 = 1000 l
    return (f"{found[0]}^{n}" if n != 1 else found[0]), found[1] ** n


_POWERS = {"square": "^2", "sq": "^2", "cubic": "^3", "cu": "^3"}
_UNIT_POWER = re.compile(r"\^\{?(\d)\}?$")


def unit_of(words: str) -> str | None:
    """The canonical unit of trailing words (`centimeters` -> `cm`, `sq ft` -> `ft^2`), or None.

    Only units in the table count; other words (`apples`, `clips`) are no unit at all, so they
    never make two answers differ.
    """
    parts = words.lower().replace("/", " / ").split()
    if not parts:
        return None
    power = ""
    out: list[str] = []
    for part in parts:
        if part in _POWERS:
            power = _POWERS[part]
            continue
        if part in ("/", "per"):
            out.append("/")
            continue
        suffix = ""
        if (m := _UNIT_POWER.search(part)) is not None:
            suffix, part = "^" + m[1], part[: m.start()]
        unit = UNITS.get(part) or (UNITS.get(part[:-1]) if part.endswith("s") else None)
        if unit is None:
            return None
        out.append(unit + (suffix or power))
        power = ""
    return "".join(out) if out and out[-1] != "/" else None
