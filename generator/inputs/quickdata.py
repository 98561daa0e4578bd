"""Plain data from composed YAML nodes, without positions: for manifests read in bulk.

`modelops validate PATH` reads tens of thousands of objects and reports on a handful, so
recording the line of every key (what yamlio's builder does, and what it spent most of its
time on) is wasted on all the others.  This builder only turns nodes into values, and it
declines every case that yamlio treats with care (a tag, a key that is not a plain string,
a repeated key, non-ASCII text that may hide a lone surrogate, a number that is not plain
decimal, too many values or too deep), so that yamlio reads that document instead and the
values, errors and duplicate-key records are always yamlio's.  Positions are computed
again, by yamlio, only for a document that has a finding to place.
"""

from __future__ import annotations

import re
from typing import Any

from generator.inputs import fastyaml

_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _STR = _TAG + "map", _TAG + "seq", _TAG + "str"
_INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (_TAG + t for t in ("int", "float", "bool", "null", "timestamp"))
_DECIMAL = re.compile(r"0|[-+]?[1-9][0-9]{0,17}")
_FIXED = re.compile(r"[-+]?[0-9]{1,15}\.[0-9]{1,15}")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


# libyaml's node classes (only its nodes come here: see yamlio.load_all).
_MAPPING = next((c for c in fastyaml.MAPPINGS if c.__module__.startswith("yaml")), None)
_SEQUENCE = next((c for c in fastyaml.SEQUENCES if c.__module__.startswith("yaml")), None)
_SCALAR = next((c for c in fastyaml.SCALARS if c.__module__.startswith("yaml")), None)


class Declined(Exception):
    """The careful builder must read this document."""


def build(node: Any, max_nodes: int, max_depth: int) -> Any:
    """The value of one libyaml document node; Declined for anything yamlio must read itself."""
    budget = [max_nodes]
    return _value(node, budget, max_depth)


def _value(node: Any, budget: list[int], depth: int) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth < 0:
        raise Declined
    kind, tag = type(node), node.tag
    if kind is _MAPPING:
        if tag != _MAP:
            raise Declined
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag != _STR or type(key) is not str or key in out or not key.isascii():
                raise Declined
            # Most values are strings: taken here, as _value would take them, without a call for each.
            if type(value_node) is _SCALAR and value_node.tag == _STR and depth:
                budget[0] -= 1
                text = value_node.value
                if budget[0] < 0 or not text.isascii():
                    raise Declined
                out[key] = text
            else:
                out[key] = _value(value_node, budget, depth - 1)
        return out
    if kind is _SEQUENCE:
        if tag != _SEQ:
            raise Declined
        return [_value(item, budget, depth - 1) for item in node.value]
    text = node.value
    if tag == _STR:
        if not text.isascii():
            raise Declined
        return text
    if tag == _NULL:
        return None
    if tag == _INT and _DECIMAL.fullmatch(text):
        return int(text)
    if tag == _BOOL and text in _BOOLS:
        return _BOOLS[text]
    if tag == _FLOAT and _FIXED.fullmatch(text):
        return float(text)
    if tag == _TIMESTAMP:
        return text  # dates stay text, as yamlio keeps them
    raise Declined
