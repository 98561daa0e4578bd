"""Template output as a YAML skeleton with typed values, never text spliced into YAML.

Jinja's `finalize` hook swaps every `{{ expression }}` for an opaque token and collects the
value; the output (the skeleton) is parsed as YAML, and the tokens are replaced by the
values themselves.  Skeletons repeat (every release renders the same text, tokens aside),
so each is parsed once.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2

from generator.errors import InputError, TemplateError
from generator.inputs import yamlio

TOKEN = re.compile(r"__mo_v(\d+)__")


class Values:
    """Collects the values of one template run; `token` is Jinja's finalize hook."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def token(self, value: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            str(value)  # StrictUndefined raises, naming the variable
        self.values.append(value)
        return f"__mo_v{len(self.values) - 1}__"


@jinja2.pass_context
def finalize(context: jinja2.runtime.Context, value: Any) -> str:
    # finalize is fixed when the environment is built; each run's collector travels in the context.
    collector: Values = context["_modelops_values"]
    return collector.token(value)


def _plain(value: Any, template: str) -> Any:
    """Only JSON-like data may reach a manifest (exact types first: this runs for every value)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v, template) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, template) for v in value]
    raise TemplateError.at(f"a {type(value).__name__} cannot be written to a manifest", template)


def substitute(node: Any, values: list[Any], template: str) -> Any:
    kind = type(node)
    if kind is dict:
        out = {}
        for key, value in node.items():
            new_key = substitute(key, values, template) if "__mo_v" in key else key
            if not isinstance(new_key, str):
                raise TemplateError.at(f"a mapping key must be a string, got {new_key!r}", template)
            out[new_key] = substitute(value, values, template)
        return out
    if kind is list:
        return [substitute(item, values, template) for item in node]
    if kind is str and "__mo_v" in node:
        whole = TOKEN.fullmatch(node)
        if whole:
            return _plain(values[int(whole.group(1))], template)
        raise TemplateError.at(
            "a {{ }} value is part of a longer string; build the whole string inside the braces, "
            'e.g. {{ name ~ "-suffix" }}',
            template,
        )
    return node


@cache
def _skeleton(text: str, template: str) -> tuple[Any, ...]:
    return tuple(yamlio.load_stream(text, f"{template} (output)"))


_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def documents(text: str, template: str) -> list[tuple[Any, int]]:
    """The documents of a template's output, each with the offset of its value tokens.

    A release template's output is the same text for every release (values are tokens), so
    the whole text is cached.  An environment template loops over releases: its documents
    differ only in their token numbers, so each is renumbered from zero and parsed once.
    """
    if text.count("\n---") < 3:
        return [(doc, 0) for doc in _skeleton(text, template)]
    out: list[tuple[Any, int]] = []
    try:
        for chunk in _SEPARATOR.split(text):
            # min, not the first: a {% set %} block may print a value before earlier-numbered ones
            base = min((int(n) for n in TOKEN.findall(chunk)), default=0)
            relative = TOKEN.sub(lambda m, b=base: f"__mo_v{int(m.group(1)) - b}__", chunk) if base else chunk
            out.extend((doc, base) for doc in _skeleton(relative, template))
    except InputError:
        return [(doc, 0) for doc in _skeleton(text, template)]  # reports the line within the whole output
    return out
