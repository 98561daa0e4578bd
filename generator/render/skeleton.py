"""Template output as a YAML skeleton with typed values, never text spliced into YAML.

Jinja's `finalize` hook swaps every `{{ expression }}` for an opaque token and collects the
value; the output (the skeleton) is parsed as YAML, and the tokens are replaced by the
values themselves.  Skeletons repeat (every release renders the same text, tokens aside),
so each is parsed once.

Values are made plain data when they are printed, inside the run, so that a value no manifest
can hold (NaN, a lone surrogate, an object) is refused at the template line that printed it,
and counts against the run's output budget (see sandbox).
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

import jinja2

from generator.errors import InputError
from generator.inputs import yamlio
from generator.render.sandbox import Budget, Refused

TOKEN = re.compile(r"__mo_v(\d+)__")
_SURROGATE = re.compile("[\\ud800-\\udfff]")


class Misplaced(Refused):
    """A value token where a whole value cannot go; `token` is its text in the output, to find its line."""

    def __init__(self, message: str, token: str):
        super().__init__(message)
        self.token = token


class Values:
    """Collects the values of one template run; `token` is Jinja's finalize hook."""

    def __init__(self, budget: Budget | None = None) -> None:
        self.values: list[Any] = []
        self.budget = budget or Budget()

    def token(self, value: Any) -> str:
        kind = type(value)
        if kind is str and value.isascii():  # most values: the common case, kept off the general path
            plain, size = value, len(value)
        elif kind is int:
            plain, size = value, 1
        else:
            if isinstance(value, jinja2.Undefined):
                str(value)  # StrictUndefined raises, naming the variable
            plain, size = _plain(value)
        self.budget.spend(size)
        self.values.append(plain)
        return f"__mo_v{len(self.values) - 1}__"


@jinja2.pass_context
def finalize(context: jinja2.runtime.Context, value: Any) -> str:
    # finalize is fixed when the environment is built; each run's collector travels in the context.
    collector: Values = context["_modelops_values"]
    return collector.token(value)


def _text(value: str) -> tuple[str, int]:
    if not value.isascii() and _SURROGATE.search(value):
        raise Refused("a string with a lone surrogate (half of a UTF-16 pair) cannot be written to a manifest")
    return value, len(value)


def _plain(value: Any) -> tuple[Any, int]:
    """Only JSON-like data may reach a manifest, and its size (exact types first: this runs for every value)."""
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is int or kind is bool or value is None:
        return value, 1
    if kind is float or isinstance(value, float):
        if not math.isfinite(value):
            raise Refused(f"{value} cannot be written to a manifest (YAML has no portable NaN or infinity)")
        return float(value), 1
    if isinstance(value, str):
        return _text(str(value))
    if isinstance(value, bool | int):
        return value, 1
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        total = 1
        for key, item in value.items():
            key = key if type(key) is str else str(key)
            if type(item) is str and item.isascii():  # most leaves: no call for them
                out[key], size = item, len(item)
            else:
                out[key], size = _plain(item)
            total += size + len(key)
        return out, total
    if isinstance(value, list | tuple):
        listed: list[Any] = []
        total = 1
        for item in value:
            if type(item) is str and item.isascii():
                listed.append(item)
                total += len(item)
            else:
                plain, size = _plain(item)
                listed.append(plain)
                total += size
        return listed, total
    raise Refused(f"a {type(value).__name__} cannot be written to a manifest")


def substitute(node: Any, values: list[Any], base: int = 0) -> Any:
    """`node` with each value token replaced by its value (`base`: the token numbers' offset, see documents)."""
    kind = type(node)
    if kind is dict:
        out = {}
        for key, value in node.items():
            new_key = substitute(key, values, base) if "__mo_v" in key else key
            if not isinstance(new_key, str):
                raise Misplaced(f"a mapping key must be a string, got {new_key!r}", _absolute(key, base))
            out[new_key] = substitute(value, values, base)
        return out
    if kind is list:
        return [substitute(item, values, base) for item in node]
    if kind is str and "__mo_v" in node:
        whole = TOKEN.fullmatch(node)
        if whole:
            return values[int(whole.group(1)) + base]
        raise Misplaced(
            "a {{ }} value is part of a longer string; build the whole string inside the braces, "
            'e.g. {{ name ~ "-suffix" }}',
            _absolute(node, base),
        )
    return node


def _absolute(text: str, base: int) -> str:
    found = TOKEN.search(text)
    return f"__mo_v{int(found.group(1)) + base}__" if found else text


@cache
def _skeleton(text: str, template: str) -> tuple[tuple[Any, int], ...]:
    return tuple(yamlio.load_stream(text, f"{template} (output)"))


_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def documents(text: str, template: str) -> list[tuple[Any, int, int]]:
    """The documents of a template's output: each with the offset of its value tokens, and its output line.

    A release template's output is the same text for every release (values are tokens), so
    the whole text is cached.  An environment template loops over releases: its documents
    differ only in their token numbers, so each is renumbered from zero and parsed once.
    """
    if text.count("\n---") < 3:
        return [(doc, 0, line) for doc, line in _skeleton(text, template)]
    out: list[tuple[Any, int, int]] = []
    first_line = 1
    try:
        for chunk in _SEPARATOR.split(text):
            # min, not the first: a {% set %} block may print a value before earlier-numbered ones
            base = min((int(n) for n in TOKEN.findall(chunk)), default=0)
            relative = TOKEN.sub(lambda m, b=base: f"__mo_v{int(m.group(1)) - b}__", chunk) if base else chunk
            out.extend((doc, base, first_line + line - 1) for doc, line in _skeleton(relative, template))
            first_line += chunk.count("\n")
    except InputError:
        return [(doc, 0, line) for doc, line in _skeleton(text, template)]  # reports the line within the whole output
    return out
