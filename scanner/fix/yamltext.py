"""YAML edits that keep every other byte: comments, key order, quoting and documents untouched.

ruamel.yaml's round-trip loader finds the node and its position; the edit itself is made on the text
(one scalar replaced, or lines inserted after the last line of a block mapping), because a round-trip
dump re-indents sequences and re-wraps long lines of the whole document. The result is loaded again,
and the edit is refused unless it reads back as the value set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from io import StringIO
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from scanner.fix.hcl import FixFailed


@dataclass(frozen=True)
class YamlTarget:
    file: str
    document: int  # index among the file's documents
    path: tuple[str | int, ...]  # keys and sequence indexes inside the document
    value: Any

    @property
    def where(self) -> str:
        return ".".join(str(p) for p in self.path)


_MARKER = re.compile(r"(---|\.\.\.)(\s|$)")


def split(text: str) -> list[tuple[int, str]]:
    """The file's documents as (index of their first line, text), cut at `---` / `...` lines: an edit
    parses only its own document, so a 5,000-line manifest bundle is not parsed again for every fix."""
    lines = text.split("\n")
    starts = [0, *(i for i, line in enumerate(lines) if i > 0 and _MARKER.match(line))]
    return [(start, "\n".join(lines[start:end])) for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)]


@lru_cache(maxsize=1024)
def load_document(text: str, rel: str) -> Any:
    """One document's round-trip nodes (never mutated: cached for the next edit of the same text)."""
    try:
        return YAML(typ="rt").load(StringIO(text))
    except YAMLError as exc:
        raise FixFailed(f"{rel} does not load as YAML: {str(exc).splitlines()[0]}") from exc
    except RecursionError as exc:  # aliases stay references in a round-trip load; only nesting can do this
        raise FixFailed(f"{rel} is nested too deeply to edit") from exc


def document_at(text: str, rel: str, line: int) -> tuple[int, int, Any]:
    """(index, index of the first line, nodes) of the document holding 1-based `line`: only that
    document is parsed (a CRD bundle's other documents can take seconds each)."""
    chunks = split(text)
    for index, (start, chunk) in enumerate(chunks):
        end = chunks[index + 1][0] if index + 1 < len(chunks) else start + chunk.count("\n") + 1
        if start < line <= end:
            return index, start, load_document(chunk, rel)
    raise FixFailed(f"{rel} has no line {line}")


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}


def render(value: Any, quote: str = "") -> str:
    """A scalar (or a flow list of scalars) in YAML syntax: strings in `quote` (the quote the replaced
    value was written with), else plain where that reads back the same."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        if quote == "'" and "'" not in value:
            return f"'{value}'"
        plain = _PLAIN.fullmatch(value) and value.lower() not in _RESERVED
        return value if plain and quote != '"' else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(render(v, quote) for v in value) + "]"
    raise FixFailed(f"cannot write {value!r} as a YAML scalar")


def _scalar_end(line: str, start: int) -> int:
    """End of the scalar that starts at `start`: its closing quote, else before a comment or the line end."""
    if start >= len(line):
        raise FixFailed("no value on the line")
    quote = line[start]
    if quote in "\"'":
        position = start + 1
        while position < len(line):
            if quote == '"' and line[position] == "\\":
                position += 2
                continue
            if line[position] == quote:
                if quote == "'" and line[position + 1 : position + 2] == "'":
                    position += 2
                    continue
                return position + 1
            position += 1
        raise FixFailed("a quoted value continues on the next line")
    if quote in "|>[{&*!":
        raise FixFailed("the value is a block scalar, a flow collection, an anchor or a tag")
    comment = re.search(r"\s#", line[start:])
    end = start + comment.start() if comment else len(line)
    return len(line[:end].rstrip())


def _walk(document: Any, target: YamlTarget) -> tuple[Any, list[str | int]]:
    """The deepest existing node on the path, and the keys still missing below it."""
    node = document
    for position, part in enumerate(target.path):
        if isinstance(node, CommentedMap):
            if part not in node:
                return node, list(target.path[position:])
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            raise FixFailed(f"{target.where}: {'.'.join(map(str, target.path[:position]))} is not a mapping")
    return node, []


def _parent(document: Any, target: YamlTarget) -> CommentedMap:
    node = document
    for part in target.path[:-1]:
        node = node[part]
    if not isinstance(node, CommentedMap):
        raise FixFailed(f"{target.where}: the parent is not a mapping")
    return node


def _block_end(lines: list[str], first: int, column: int) -> int:
    """Index of the last content line of the block mapping whose keys sit at `column`, from line `first`."""
    last = first
    for index in range(first + 1, len(lines)):
        line = lines[index]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent > column or (indent == column and stripped.startswith("- ") and column > 0):
            last = index
            continue
        if indent == column and stripped.startswith("-") and column == 0 and not stripped.startswith("---"):
            last = index  # a sequence at the root mapping's column, under its last key
            continue
        break
    return last


def _unit(document: Any) -> int:
    """The document's indentation step: a nested mapping's key column minus its parent's, else 2."""
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                if isinstance(value, CommentedMap) and value and not value.fa.flow_style():
                    step = value.lc.key(next(iter(value)))[1] - node.lc.key(key)[1]
                    if step > 0:
                        return step
                pending.append(value)
        elif isinstance(node, CommentedSeq):
            pending.extend(node)
    return 2


def _replace_sequence(lines: list[str], parent: CommentedMap, node: CommentedSeq, target: YamlTarget) -> None:
    """A list of scalars replaced by the target's list: in place when written `[a, b]` on one line, else
    item lines rewritten with the same `- ` prefix."""
    if any(isinstance(item, CommentedMap | CommentedSeq) for item in node):
        raise FixFailed(f"{target.where} holds mappings or lists, not values")
    if node.fa.flow_style():
        row, column = parent.lc.value(target.path[-1])
        line = lines[row]
        close = line.find("]", column)
        if not line.startswith("[", column) or close < 0 or "#" in line[column:close]:
            raise FixFailed(f"{target.where} is a flow list over several lines")
        quote = next((c for c in line[column:close] if c in "\"'"), "")
        lines[row] = line[:column] + render(target.value, quote) + line[close + 1 :]
        return
    if not node:
        raise FixFailed(f"{target.where} is an empty list")
    rows = [node.lc.item(index)[0] for index in range(len(node))]
    first_row, first_column = node.lc.item(0)
    if rows != list(range(rows[0], rows[0] + len(rows))):
        raise FixFailed(f"{target.where} has items over several lines")
    prefix = lines[first_row][:first_column]
    if not prefix.rstrip().endswith("-"):
        raise FixFailed(f"{target.where} is not a list of `- item` lines")
    quote = next((c for c in lines[first_row][first_column:][:1] if c in "\"'"), "")
    lines[rows[0] : rows[-1] + 1] = [prefix + render(item, quote) for item in target.value]


def apply(text: str, target: YamlTarget, *, verify: bool = True) -> str:
    """`text` with the value at the target's path set; raises FixFailed when it cannot be done exactly.
    With `verify`, the edited document is loaded again and must hold the value."""
    chunks = split(text)
    if target.document >= len(chunks):
        raise FixFailed(f"document {target.document + 1} is not in {target.file}")
    start, chunk = chunks[target.document]
    edited = _apply_document(chunk, target, verify)
    lines = text.split("\n")
    return "\n".join([*lines[:start], edited, *lines[start + len(chunk.split("\n")) :]])


def _apply_document(text: str, target: YamlTarget, verify: bool) -> str:
    """The target set in one document's text (`target.document` already chosen by `apply`)."""
    document = load_document(text, target.file)
    node, missing = _walk(document, target)
    lines = text.split("\n")
    if not missing:
        parent = _parent(document, target)
        if parent.fa.flow_style():
            raise FixFailed(f"{target.where} is written in flow style")
        if isinstance(node, CommentedSeq) and isinstance(target.value, list):
            _replace_sequence(lines, parent, node, target)
        elif isinstance(node, CommentedMap | CommentedSeq):
            raise FixFailed(f"{target.where} holds a collection, not a value")
        else:
            row, column = parent.lc.value(target.path[-1])
            line = lines[row]
            end = _scalar_end(line, column)
            quote = line[column] if line[column] in "\"'" else ""
            lines[row] = line[:column] + render(target.value, quote) + line[end:]
    else:
        if not isinstance(node, CommentedMap) or not node or node.fa.flow_style():
            raise FixFailed(f"{target.where}: the mapping to add to is empty or in flow style")
        if any(isinstance(part, int) for part in missing):
            raise FixFailed(f"{target.where}: a sequence item is missing")
        keys = list(node)
        column = node.lc.key(keys[0])[1]
        last = _block_end(lines, node.lc.key(keys[-1])[0], column)
        unit = _unit(document)
        new = [f"{' ' * (column + unit * depth)}{key}:" for depth, key in enumerate(missing[:-1])]
        new.append(f"{' ' * (column + unit * (len(missing) - 1))}{missing[-1]}: {render(target.value)}")
        lines[last + 1 : last + 1] = new
    result = "\n".join(lines)
    if not verify:
        return result
    written, rest = _walk(load_document(result, target.file), target)
    if rest or written != target.value:
        raise FixFailed(f"{target.where} does not read back as {render(target.value)}")
    return result
