"""libyaml's parser for the common case of reading YAML, with the careful parser's meaning.

PyYAML's C bindings compose nodes about four times faster than ruamel's pure-Python
parser.  Scalars are resolved by ruamel's YAML 1.2 resolver, so both paths read the same
values; `yamlio` builds data from either kind of node and falls back to ruamel whenever
this module declines a text.
"""

from __future__ import annotations

import operator
import re
from typing import Any

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

try:
    import yaml as _pyyaml
    from yaml._yaml import CParser as _CParser  # what yaml.cyaml re-exports; importable only with libyaml
except ImportError:  # pragma: no cover - PyYAML without libyaml: yamlio's pure-Python path only
    _pyyaml = None  # type: ignore[assignment]

_RESOLVER_12 = VersionedResolver(version=(1, 2))
MAPPINGS: tuple[type[Any], ...] = (MappingNode,)
SEQUENCES: tuple[type[Any], ...] = (SequenceNode,)
SCALARS: tuple[type[Any], ...] = (ScalarNode,)


# ruamel's YAML 1.2 table of implicit resolvers is keyed by a plain scalar's first character: a plain
# scalar starting with any other character, and every quoted one, is a string without asking it (that
# is most keys and values of a manifest, and libyaml asks for each of them).
_TABLE = _RESOLVER_12.versioned_resolver
_ANY_FIRST = None in _TABLE  # resolvers that apply whatever the first character (none in ruamel 0.18-0.19)
_RESOLVED_FIRST = frozenset(key for key in _TABLE if key is not None)
_STR_TAG = str(_RESOLVER_12.resolve(ScalarNode, "", (False, True)))


# ruamel's resolver is slow, and keys and common values repeat in every file: each plain scalar's tag is
# asked once (up to a bound, so that a stream of unique values cannot grow it without end).
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 1 << 16


def _scalar_tag(value: str) -> str:
    """The tag of a plain scalar: ruamel's resolver answers for those that may not be strings."""
    if not _ANY_FIRST and value[:1] not in _RESOLVED_FIRST:
        tag = _STR_TAG
    else:
        tag = str(_RESOLVER_12.resolve(ScalarNode, value, (True, False)))
    if len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
        _PLAIN_TAGS[value] = tag
    return tag


# libyaml's nodes only: what generator.inputs.quickdata reads (ruamel's nodes carry anchors it cannot see).
NODES: tuple[type[Any], ...] = ()

if _pyyaml is not None:
    NODES = (_pyyaml.Node,)
    MAPPINGS += (_pyyaml.MappingNode,)
    SEQUENCES += (_pyyaml.SequenceNode,)
    SCALARS += (_pyyaml.ScalarNode,)

    _SCALAR, _SEQUENCE = _pyyaml.ScalarNode, _pyyaml.SequenceNode
    _BASE = _pyyaml.resolver.BaseResolver
    _SEQ_TAG, _MAP_TAG = _BASE.DEFAULT_SEQUENCE_TAG, _BASE.DEFAULT_MAPPING_TAG

    class _FastComposer(_CParser, _pyyaml.resolver.BaseResolver):
        """libyaml's parser with ruamel's YAML 1.2 scalar resolution, so both paths read values alike.

        The parser calls back into Python for every node (resolve, descend_resolver, ascend_resolver):
        no path resolvers are registered, so the path hooks are C builtins that do nothing, and a
        collection's tag is the default one, as BaseResolver would return."""

        descend_resolver = staticmethod(operator.is_)  # type: ignore[assignment]  # (parent, index): no paths
        ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]  # called with no argument

        def __init__(self, text: str):
            _CParser.__init__(self, text)
            _pyyaml.resolver.BaseResolver.__init__(self)

        def resolve(self, kind: type, value: Any, implicit: Any) -> str:
            if kind is _SCALAR:
                if implicit[0]:  # plain: its text decides; a quoted scalar is a string
                    return _PLAIN_TAGS.get(value) or _scalar_tag(value)
                return _STR_TAG
            return _SEQ_TAG if kind is _SEQUENCE else _MAP_TAG


# Where an anchor can stand: a node's properties follow the start of a line, white space or a
# flow indicator.  An `&` anywhere else (a URL's query, as in the alerts' runbook URLs) is text,
# and a quoted or plain scalar that merely looks like this sends the text the careful way, which
# is never wrong, only slower.  Rejecting every `&` sent all of prod's manifests (runbook URLs)
# the pure-Python way: 719 objects/s instead of about 5,000 for `validate rendered/`.
_ANCHOR = re.compile(r"(?:^|[\s\[\]{},:])&", re.MULTILINE)


def _flow_collections(text: str) -> int:
    """Flow collections that can nest: empty ones (`[]`, `{}`, also inside quoted jq paths such as
    `.spec.rules[].backendRefs[]`) cannot, and do not count towards libyaml's recursion."""
    return text.count("[") + text.count("{") - text.count("[]") - text.count("{}")


def compose(text: str) -> list[Any] | None:
    """Documents composed by libyaml, or None when only the careful path may read `text`.

    libyaml forgets anchors that no alias uses, accepts some tabs that ruamel refuses, honours
    `%YAML 1.1` directives, and its messages differ; so text with anchors, tabs, directives,
    deep flow nesting (its composer recurses in C) or any error goes the pure-Python way and
    gets exactly that path's values and diagnostics.
    """
    if (
        _pyyaml is None
        or _ANCHOR.search(text) is not None
        or "\t" in text
        or text.startswith("%")
        or "\n%" in text
        or _flow_collections(text) > 256
    ):
        return None
    composer = _FastComposer(text)
    try:
        docs = []
        while composer.check_node():
            docs.append(composer.get_node())
        return docs
    except _pyyaml.YAMLError:
        return None
    finally:
        composer.dispose()
