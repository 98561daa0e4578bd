"""Reading YAML the way a release tool must.

A strict subset of YAML for the files humans write (specs, environments, policies): one
document per file, no anchors or aliases (which is also what defuses "billion laughs"), no
custom tags, no duplicate keys, a size and a depth limit, and the line and column of every
key and item so that errors can point at them.  Manifests written by other tools are read
more leniently through `load_all` (see generator.manifests.reader).  Writing YAML is the
render stage's (generator.render.emitter).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node, ScalarNode

from generator.errors import InputError, Location, Path, format_path, nearest
from generator.inputs import fastyaml, quickdata

MAX_FILE_BYTES = 512 * 1024
MAX_DEPTH = 48
MAX_NODES = 50_000

_TAG = "tag:yaml.org,2002:"

# Python refuses to turn integers of more digits into text (and to read longer decimal text),
# so such a number could be read but never reported or written: refuse it where it is read.
MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
_INT_BOUND = 10**MAX_INT_DIGITS
# A \ud800-\udfff escape in a double-quoted scalar yields half a UTF-16 pair, which is not a
# character and cannot be encoded as UTF-8 (nor written, hashed or matched by a schema).
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Document:
    """Plain data read from one YAML file, with the position of every field."""

    file: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # Source text of numbers and booleans, so that "write it in quotes" can quote what was written.
    raw: dict[Path, str] = field(default_factory=dict)
    # Keys written twice, with the position of the repeat; only load_all(duplicate_keys=True) fills it.
    duplicates: list[tuple[Path, int, int]] = field(default_factory=list)

    def locate(self, path: Path) -> Location:
        """Position of `path`, or of its nearest ancestor that exists in the file."""
        found = nearest(self.positions, path)
        line, col = self.positions[found] if found is not None else (1, 1)
        return Location(self.file, line, col)

    def error(self, path: Path, message: str) -> InputError:
        loc = self.locate(path)
        return InputError.at(message, loc.file, loc.line, loc.column, format_path(path))


def decode(raw: bytes, file: str, limit: int = MAX_FILE_BYTES) -> str:
    """Bytes to text, refusing what editors get wrong: BOMs, UTF-16, NULs, oversize."""
    if len(raw) > limit:
        raise InputError.at(f"file is larger than the limit of {limit} bytes ({limit // 1024} KiB)", file, 1, 1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputError.at("file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM", file, 1, 1)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.at("file is UTF-16 encoded; save it as UTF-8", file, 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError.at(f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", file, line, col) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InputError.at("file contains a NUL character; is it a binary file?", file, line, 1)
    return text


def _yaml() -> YAML:
    y = YAML(typ="safe", pure=True)
    y.allow_duplicate_keys = False
    return y


_CONSTRUCTORS: list[Any] = []


def _constructor() -> Any:
    """One scalar constructor for every file (making a YAML object costs 0.27 ms: 0.3 s over 1,000 specs),
    its memo of constructed nodes emptied for each document."""
    if not _CONSTRUCTORS:
        _CONSTRUCTORS.append(_yaml().constructor)
    constructor = _CONSTRUCTORS[0]
    constructor.constructed_objects.clear()
    constructor.recursive_objects.clear()
    return constructor


def _mark_error(exc: MarkedYAMLError, file: str, text: str) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    if "'\\t'" in problem or "\\t" in repr(problem):
        lines = text.splitlines()
        offending = lines[line - 1] if 0 < line <= len(lines) else ""
        if "\t" in offending[: len(offending) - len(offending.lstrip())]:
            problem = "a tab is used for indentation; YAML allows only spaces"
        else:
            problem = "a tab character is not allowed here"
    elif "duplicate key" in problem:
        problem = problem.split(" with value")[0]
    return InputError.at(f"invalid YAML: {problem}", file, line, col)


class _Builder:
    """Turns composed nodes into plain data, recording positions and rejecting aliases."""

    def __init__(
        self,
        file: str,
        constructor: Any,
        max_nodes: int = MAX_NODES,
        aliases: bool = False,
        duplicates: list[tuple[Path, int, int]] | None = None,
    ):
        self.file = file
        self.constructor = constructor
        self.positions: dict[Path, tuple[int, int]] = {}
        self.raw: dict[Path, str] = {}
        self.seen: set[int] = set()
        self.count = 0
        # Manifests from elsewhere may use aliases; every expansion counts against max_nodes,
        # which is what keeps "billion laughs" out.
        self.max_nodes = max_nodes
        self.aliases = aliases
        # None: a duplicate key is an error; a list: the later value wins and the repeat is recorded.
        self.duplicates = duplicates

    def fail(self, node: Node, message: str, path: Path) -> InputError:
        return InputError.at(
            message, self.file, node.start_mark.line + 1, node.start_mark.column + 1, format_path(path)
        )

    def build(self, node: Node, path: Path, depth: int = 0) -> Any:
        self.count += 1
        if self.count > self.max_nodes:
            raise self.fail(node, f"file has more than {self.max_nodes} values", path)
        if depth > MAX_DEPTH:
            raise self.fail(node, f"values are nested more than {MAX_DEPTH} levels deep", path)
        if not self.aliases and (id(node) in self.seen or getattr(node, "anchor", None)):
            raise self.fail(node, "YAML anchors and aliases (&name, *name) are not allowed", path)
        self.seen.add(id(node))
        tag = str(node.tag)
        if isinstance(node, fastyaml.MAPPINGS):
            return self._mapping(node, path, depth)
        if isinstance(node, fastyaml.SEQUENCES):
            if tag != _TAG + "seq":
                raise self.fail(node, f"unsupported YAML tag {tag}", path)
            out = []
            for index, item in enumerate(node.value):
                child = (*path, index)
                self.positions[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
                out.append(self.build(item, child, depth + 1))
            return out
        assert isinstance(node, fastyaml.SCALARS)
        return self._scalar(node, tag, path)

    def _mapping(self, node: Any, path: Path, depth: int) -> dict[str, Any]:
        if str(node.tag) != _TAG + "map":
            raise self.fail(node, f"unsupported YAML tag {node.tag}", path)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if str(key_node.tag) == _TAG + "merge":
                raise self.fail(key_node, "YAML merge keys (<<) are not allowed", path)
            if not isinstance(key_node, fastyaml.SCALARS):
                raise self.fail(key_node, "mapping keys must be plain strings", path)
            key = self._scalar(key_node, str(key_node.tag), path)
            if not isinstance(key, str):
                key = key_node.value  # `1: x` or `true: x`: keys are names, keep the text
            child = (*path, key)
            if key in out and self.duplicates is None:
                raise self.fail(key_node, f'duplicate key "{key}"', child)
            if key in out and self.duplicates is not None:
                self.duplicates.append((child, key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                del out[key]  # the later value wins, and takes the later position in key order
            self.positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _scalar(self, node: Any, tag: str, path: Path) -> Any:
        kind = tag.removeprefix(_TAG)
        if kind == "str":
            text: str = node.value
            if not text.isascii():
                surrogate = _SURROGATE.search(text)
                if surrogate:
                    code = f"\\u{ord(surrogate.group()):04x}"
                    raise self.fail(
                        node,
                        f"{code} is half of a UTF-16 surrogate pair, not a character; write the character "
                        "itself (or \\U followed by its 8 hex digits)",
                        path,
                    )
            return text
        if kind == "timestamp":
            # Dates stay text: `version: 2024-07-23` means the string, as JSON Schema sees it.
            return node.value
        if kind == "null":
            return None
        if kind in ("int", "float", "bool"):
            self.raw[path] = node.value
            if kind == "int" and len(node.value.lstrip("+-").replace("_", "")) > MAX_INT_DIGITS:
                raise self.fail(node, f"integer has more than {MAX_INT_DIGITS} digits", path)
            if not isinstance(node, ScalarNode):  # a libyaml node: ruamel's constructor wants its own
                node = ScalarNode(tag, node.value, node.start_mark, node.end_mark, node.style)
            value = self.constructor.construct_object(node)
            if type(value) is int and not -_INT_BOUND < value < _INT_BOUND:  # 0x... and 0o... are not counted above
                raise self.fail(node, f"integer has more than {MAX_INT_DIGITS} digits", path)
            if (
                isinstance(value, float)
                and not math.isfinite(value)
                and not node.value.lower().lstrip("+-").startswith(".")
            ):
                # 1e999 overflows to inf; Kubernetes' YAML reader keeps such text a string, and so do we.
                del self.raw[path]
                return node.value
            return value
        raise self.fail(node, f"unsupported YAML tag {tag}", path)


def _compose(text: str, file: str) -> Iterator[Node]:
    fast = fastyaml.compose(text)
    if fast is not None:
        yield from fast
        return
    y = _yaml()
    try:
        yield from y.compose_all(text)
    except MarkedYAMLError as exc:
        raise _mark_error(exc, file, text) from None
    except RecursionError:
        raise InputError.at(f"values are nested more than {MAX_DEPTH} levels deep", file, 1, 1) from None
    except YAMLError as exc:
        raise InputError.at(f"invalid YAML: {exc}", file, 1, 1) from None


def load(raw: bytes | str, file: str) -> Document:
    """Load exactly one YAML document from `raw` (bytes from disk or git)."""
    text = decode(raw, file) if isinstance(raw, bytes) else raw
    docs = _compose(text, file)
    first = next(docs, None)
    if first is None:
        raise InputError.at("file is empty; expected one YAML document", file, 1, 1)
    second = next(docs, None)
    if second is not None:
        line = second.start_mark.line + 1
        raise InputError.at(
            f"file holds more than one YAML document (the second starts at line {line}); put each in its own file",
            file,
            line,
            1,
        )
    builder = _Builder(file, _constructor())
    data = builder.build(first, ())
    builder.positions[()] = (first.start_mark.line + 1, first.start_mark.column + 1)
    return Document(file, data, builder.positions, builder.raw)


def load_all(
    raw: bytes,
    file: str,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_nodes: int = MAX_NODES,
    aliases: bool = False,
    duplicate_keys: bool = False,
    positions: bool = True,
) -> list[Document | InputError]:
    """Every document of a multi-document file (Kubernetes manifests), each with its positions.

    A document that breaks a rule (a tag, an alias when not allowed, too many values) becomes its
    InputError and the next document is still read; a syntax error ends the list, since the parser
    cannot resynchronise.  With `duplicate_keys`, a repeated key is recorded in
    Document.duplicates and its later value kept, as Kubernetes' own YAML reader does.
    Without `positions`, a document that generator.inputs.quickdata can read comes without
    them (an empty Document.positions: read the file again with them to place a finding).
    """
    try:
        text = decode(raw, file, max_bytes)
    except InputError as exc:
        return [exc]
    out: list[Document | InputError] = []
    try:
        for node in _compose(text, file):
            if not positions and isinstance(node, fastyaml.NODES):
                try:
                    out.append(Document(file, quickdata.build(node, max_nodes, MAX_DEPTH)))
                    continue
                except quickdata.Declined:
                    pass
            duplicates: list[tuple[Path, int, int]] | None = [] if duplicate_keys else None
            builder = _Builder(file, _constructor(), max_nodes, aliases, duplicates)
            try:
                data = builder.build(node, ())
            except InputError as exc:
                out.append(exc)
                continue
            except RecursionError:
                line = node.start_mark.line + 1
                out.append(InputError.at(f"values are nested more than {MAX_DEPTH} levels deep", file, line, 1))
                continue
            builder.positions[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
            out.append(Document(file, data, builder.positions, builder.raw, duplicates or []))
    except InputError as exc:
        out.append(exc)
    return out


def load_stream(text: str, file: str) -> list[tuple[Any, int]]:
    """All documents of a stream (template output), each with the line it starts on; empty ones dropped."""
    out = []
    for node in _compose(text, file):
        data = _Builder(file, _constructor()).build(node, ())
        if data is not None:
            out.append((data, node.start_mark.line + 1))
    return out
