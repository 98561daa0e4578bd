"""The Jinja sandbox templates run in, and the limits it checks while they run.

Repository templates are user input.  Jinja's ImmutableSandboxedEnvironment stops them
reaching Python internals and bounds each range() to 100,000 items; it does not bound what
they compute or print.  So, checked as a template runs rather than by catching whatever
breaks afterwards:

- `*` and `**` are intercepted: a string or list repeated past MAX_VALUE_CHARS, or an integer
  past MAX_INT_DIGITS digits, is refused before it is built (`'a' * 10**10`, `10**5000`);
- range() items and lipsum() text count against the run's budget, as does everything the run
  prints, text and values alike (MAX_OUTPUT_CHARS);
- macro calls nest at most MAX_CALL_DEPTH deep;
- a template's source is lexed before it is compiled: blocks, loops and brackets nest at most
  so deep, expressions hold at most so many operators, and number literals must be numbers
  (Jinja's compiler and Python's recurse, or write `inf` for 1e999).

Every refusal is a `Refused`, which generator.render.failures turns into a TemplateError at the
template line that went past the limit.
"""

from __future__ import annotations

import math
import random
from typing import Any

import jinja2
from jinja2.constants import LOREM_IPSUM_WORDS
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

from generator.errors import TemplateError
from generator.inputs.yamlio import MAX_INT_DIGITS

# One string or list a template builds: a whole Kubernetes object is at most 1.5 MiB (etcd's limit).
MAX_VALUE_CHARS = 1024 * 1024
# Everything one template run renders, text and values: an environment template renders every
# release's Application, so this is generous, but bounded.
MAX_OUTPUT_CHARS = 64 * 1024 * 1024
# Items of all range() calls in one run: nested loops multiply.
MAX_RANGE_ITEMS = 10 * MAX_RANGE
MAX_CALL_DEPTH = 64
MAX_BLOCK_DEPTH = 32
MAX_LOOP_DEPTH = 16  # Python compiles at most 20 nested loops
MAX_BRACKET_DEPTH = 32
MAX_OPERATORS = 200  # in one {{ }} or {% %}: Jinja's parser recurses once per operator
_INT_BITS = math.ceil(MAX_INT_DIGITS * math.log2(10))
_LONGEST_WORD = max(len(word) for word in LOREM_IPSUM_WORDS.split())

# Tags with an end tag; `set` has one only when it captures a block ({% raw %} is the lexer's).
_BLOCKS = frozenset(["if", "for", "macro", "call", "filter", "block", "with", "autoescape"])
# Jinja.lex yields operators as ("operator", text); `[` counts as a subscript too.
_OPERATORS = frozenset(["+", "-", "*", "/", "//", "%", "**", "~", "|", ".", "["])
_OPERATOR_NAMES = frozenset(["and", "or", "not", "if", "else", "is", "in"])


class Refused(Exception):
    """A template went past a limit, or produced a value no manifest can hold; the message says which."""


class Budget:
    """What one template run has produced so far, against MAX_OUTPUT_CHARS and MAX_RANGE_ITEMS."""

    def __init__(self) -> None:
        self.chars = 0
        self.range_items = 0

    def spend(self, chars: int) -> None:
        self.chars += chars
        if self.chars > MAX_OUTPUT_CHARS:
            raise Refused(f"template output is larger than the limit of {MAX_OUTPUT_CHARS // (1024 * 1024)} MiB")


def _check_product(left: Any, right: Any) -> None:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(times, int) and not isinstance(times, bool):
            if len(seq) * times > MAX_VALUE_CHARS:
                kind = "a string" if isinstance(seq, str) else "a list"
                raise Refused(
                    f"{kind} of length {len(seq)} * {times} would be {len(seq) * times} long; "
                    f"the limit is {MAX_VALUE_CHARS}"
                )
            return
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > _INT_BITS:
        raise Refused(f"the product has more than {MAX_INT_DIGITS} digits")


def _check_power(base: Any, exponent: Any) -> None:
    whole = isinstance(base, int) and isinstance(exponent, int)
    if whole and exponent > 0 and abs(base) > 1 and exponent * math.log2(abs(base)) > _INT_BITS:
        raise Refused(f"{base} ** {exponent} has more than {MAX_INT_DIGITS} digits")


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the limits above; `budget` is the current run's (see Renderer)."""

    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, **options: Any) -> None:
        # No constant folding: folded at compile time, `'nan'|float` or `1e300 * 1e300` would
        # become the Python source `nan`, a NameError, instead of a value finalize can refuse.
        super().__init__(optimized=False, **options)
        self.budget = Budget()
        self._depth = 0
        self.globals["range"] = self._range
        self.globals["lipsum"] = self._lipsum

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_product(left, right)
        elif operator == "**":
            _check_power(left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        # Every call from template code comes here, so a macro that calls itself stops at a set depth.
        if __self._depth >= MAX_CALL_DEPTH:
            raise Refused(f"macro calls nest more than {MAX_CALL_DEPTH} deep (does a macro call itself?)")
        __self._depth += 1
        try:
            return super().call(__context, __obj, *args, **kwargs)
        finally:
            __self._depth -= 1

    def _range(self, *args: int) -> range:
        items = range(*args)
        if len(items) > MAX_RANGE:
            raise Refused(f"range() of {len(items)} items is past the limit of {MAX_RANGE}")
        self.budget.range_items += len(items)
        if self.budget.range_items > MAX_RANGE_ITEMS:
            raise Refused(f"range() calls of one template produce more than {MAX_RANGE_ITEMS} items")
        return items

    def _lipsum(self, n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        longest = n * (max * (_LONGEST_WORD + 2) + len("<p></p>\n\n"))
        if longest > MAX_VALUE_CHARS:
            raise Refused(f"lipsum(n={n}, max={max}) may produce more than the limit of {MAX_VALUE_CHARS} characters")
        # Jinja draws from the process's global random state: seeded and restored, so the same
        # template renders the same bytes on every run.
        state = random.getstate()
        random.seed(f"lipsum {n} {html} {min} {max}")
        try:
            return str(generate_lorem_ipsum(n=n, html=html, min=min, max=max))
        finally:
            random.setstate(state)


def check_source(environment: jinja2.Environment, source: str, filename: str) -> None:
    """Refuse, at its line, what Jinja's or Python's compiler cannot take: deep nesting, long expressions, 1e999."""
    open_blocks: list[str] = []
    tag: str | None = None  # the tag of the {% %} being read, once its name is seen
    in_block = assigns = False
    brackets = operators = 0
    for line, kind, value in environment.lex(source, filename=filename):
        if kind in ("block_begin", "variable_begin"):
            in_block, tag, assigns, brackets, operators = kind == "block_begin", None, False, 0, 0
        elif kind == "block_end":
            # `{% set x %}...{% endset %}` captures a block; `{% set x = 1 %}` does not.
            if tag == "set" and not assigns:
                _open(open_blocks, "set", line, filename)
            in_block = False
        elif in_block and tag is None and kind == "name":
            tag = value
            if tag in _BLOCKS:
                _open(open_blocks, tag, line, filename)
            elif tag.startswith("end") and open_blocks:
                open_blocks.pop()
        elif kind == "operator" and value == "=":
            assigns = True
        if kind == "float" and not math.isfinite(float(value.replace("_", ""))):
            raise TemplateError.at(f"the number {value} is too large for a float", filename, line)
        if kind == "integer" and len(value.replace("_", "")) > MAX_INT_DIGITS:
            raise TemplateError.at(f"an integer literal of more than {MAX_INT_DIGITS} digits", filename, line)
        if kind == "operator" and value in ("(", "[", "{"):
            brackets += 1
            if brackets > MAX_BRACKET_DEPTH:
                raise TemplateError.at(f"brackets nest more than {MAX_BRACKET_DEPTH} deep", filename, line)
        elif kind == "operator" and value in (")", "]", "}"):
            brackets -= 1
        if _is_operator(kind, value, tag):
            operators += 1
            if operators > MAX_OPERATORS:
                raise TemplateError.at(f"an expression with more than {MAX_OPERATORS} operators", filename, line)


def _is_operator(kind: str, value: str, tag: str | None) -> bool:
    if kind == "operator":
        return value in _OPERATORS
    return kind == "name" and value in _OPERATOR_NAMES and value != tag  # not the `if` of {% if %}


def _open(open_blocks: list[str], tag: str, line: int, filename: str) -> None:
    open_blocks.append(tag)
    if len(open_blocks) > MAX_BLOCK_DEPTH:
        raise TemplateError.at(f"blocks nest more than {MAX_BLOCK_DEPTH} deep", filename, line)
    if tag == "for" and open_blocks.count("for") > MAX_LOOP_DEPTH:
        raise TemplateError.at(f"for loops nest more than {MAX_LOOP_DEPTH} deep", filename, line)
