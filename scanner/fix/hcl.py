"""Terraform edits that change only the lines they must: one literal replaced, or lines inserted.

A target names its place by structure (`resource "aws_instance" "web"` → `metadata_options` #0 →
`http_tokens`), not by line, so several fixes in one file are applied one after another, each on the
text the previous one left. The file is parsed again after every edit; an edit that does not parse
is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from scanner.parsers.terraform import Attribute, Block, TerraformFile, parse_tfvars
from scanner.parsers.terraform import parse as parse_hcl


class FixFailed(Exception):
    """The target is not where the plan expected, or the edit would not parse: nothing is changed."""


@dataclass(frozen=True)
class HclTarget:
    file: str
    tfvars: bool  # a .tfvars file: top-level attributes, no blocks
    blocks: tuple[tuple[str, ...], ...]  # ("resource", type, name) / ("variable", n) / ("module", n) / ("locals",),
    # then nested blocks as (type, index)
    name: str  # the attribute to set
    value: Any
    create: tuple[str, ...] = ()  # nested block types created (outermost first) below the deepest block

    @property
    def where(self) -> str:
        """A person's name for the place: `variable "x" default`, `resource "aws_s3_bucket" "b" acl`."""
        head = [" ".join([b[0], *(f'"{label}"' for label in b[1:])]) for b in self.blocks[:1]]
        nested = [b[0] for b in self.blocks[1:]]
        return " ".join([*head, *nested, *self.create, self.name])


@lru_cache(maxsize=64)
def parse(text: str, rel: str, tfvars: bool) -> TerraformFile:
    """The file's blocks; cached, as each fix parses the text the previous edit left (never mutated)."""
    try:
        parsed = (parse_tfvars if tfvars else parse_hcl)(text, rel)
    except RecursionError as exc:
        raise FixFailed(f"{rel} is nested too deeply to edit") from exc
    if parsed.errors or not isinstance(parsed.payload, TerraformFile):
        raise FixFailed(f"{rel} does not parse: {parsed.errors[0].message if parsed.errors else 'no content'}")
    return parsed.payload


def render(value: Any) -> str:
    """A literal in HCL syntax; `${` and `%{` in strings are escaped so they stay text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    raise FixFailed(f"cannot write {value!r} as an HCL literal")


def literal(expr: tuple) -> bool:
    """An expression that is a value as written: a literal, a list of them, a negative number."""
    if expr[0] == "lit":
        return True
    if expr[0] == "tuple":
        return all(literal(e) for e in expr[1])
    return expr[0] == "tmpl" and all(isinstance(part, str) for part in expr[1])


def passthrough(expr: tuple) -> tuple[str, str] | None:
    """("var" | "local", name) for an expression that is just `var.name` / `local.name` (or "${...}" of it)."""
    if expr[0] == "tmpl1":
        expr = expr[1]
    if expr[0] == "ref" and expr[1] in ("var", "local") and len(expr[2]) == 1 and expr[2][0][0] == "attr":
        return expr[1], expr[2][0][1]
    return None


def find(parsed: TerraformFile, target: HclTarget) -> tuple[Block | None, Attribute | None]:
    """The deepest block of the target (None for a tfvars file) and its attribute (None when missing)."""
    if target.tfvars:
        return None, parsed.attributes.get(target.name)
    head, *nested = target.blocks
    candidates = [
        b
        for b in parsed.blocks
        if b.type == head[0] and (b.labels == list(head[1:]) if head[0] != "locals" else target.name in b.attributes)
    ]
    if len(candidates) != 1:
        raise FixFailed(f"{target.where}: {len(candidates)} matching blocks in {target.file}")
    block = candidates[0]
    for kind, index in nested:
        if any(b.type == "dynamic" and b.labels[:1] == [kind] for b in block.blocks):
            raise FixFailed(f"{kind} is written as a dynamic block")
        same = [b for b in block.blocks if b.type == kind]
        if int(index) >= len(same):
            raise FixFailed(f"{kind} #{index} is not in {target.file}")
        block = same[int(index)]
    return block, block.attributes.get(target.name)


def locate_attribute(parsed: TerraformFile, line: int, tfvars: bool) -> tuple[tuple[tuple[str, ...], ...], Attribute]:
    """The attribute that starts at `line` (a variable default, tfvars value, local or module input),
    with the structural path of its block."""
    if tfvars:
        for attribute in parsed.attributes.values():
            if attribute.line == line:
                return (), attribute
        raise FixFailed(f"no value at line {line}")
    for block in parsed.blocks:
        for attribute in block.attributes.values():
            if attribute.line == line and block.type in ("variable", "locals", "module"):
                head = ("locals",) if block.type == "locals" else (block.type, *block.labels)
                return (head,), attribute
    raise FixFailed(f"no variable default, local or module input at line {line}")


_COMMENT = re.compile(r"#|//")


def _code_end(line: str, start: int) -> int:
    """Where the code of `line` ends: before a trailing `#` or `//` comment outside strings, trailing
    spaces excluded."""
    quoted = False
    position = start
    while position < len(line):
        char = line[position]
        if quoted:
            if char == "\\":
                position += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif _COMMENT.match(line, position):
            break
        position += 1
    return len(line[:position].rstrip())


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def replace_value(lines: list[str], attribute: Attribute, value: Any) -> list[str]:
    """The attribute's expression replaced by `value`, its name, spacing and trailing comment kept."""
    first = lines[attribute.line - 1]
    head = re.match(rf'^\s*(?:{re.escape(attribute.name)}|"{re.escape(attribute.name)}")\s*[=:]\s*', first)
    if head is None:
        raise FixFailed(f"{attribute.name} does not start its line {attribute.line}")
    last = lines[attribute.end_line - 1]
    start = head.end()
    end = _code_end(last, start if attribute.end_line == attribute.line else 0)
    if attribute.end_line == attribute.line and end <= start:
        raise FixFailed(f"no value after {attribute.name} on line {attribute.line}")
    joined = first[:start] + render(value) + last[end:]
    return [*lines[: attribute.line - 1], joined, *lines[attribute.end_line :]]


def _open_empty(lines: list[str], block: Block, target: HclTarget) -> list[str]:
    """An empty block written `{}` on one line, opened to hold the attribute."""
    line = lines[block.line - 1]
    empty = re.search(r"\{\s*\}\s*$", line)
    if empty is None or block.attributes or block.blocks:
        raise FixFailed(f"the block at line {block.line} is written on one line")
    body = insert(
        [line[: empty.start()] + "{", _indent(line) + "}"], Block(block.type, block.labels, {}, [], 1, 2), target
    )
    return [*lines[: block.line - 1], *body, *lines[block.line :]]


def insert(lines: list[str], block: Block, target: HclTarget) -> list[str]:
    """The attribute (inside new nested blocks when `create` names them) added before `block`'s closing
    brace, indented like the block's body."""
    if block.end_line <= block.line:
        return _open_empty(lines, block, target)
    closing = lines[block.end_line - 1]
    if closing.strip() != "}":
        raise FixFailed(f"the block at line {block.line} does not end with a brace on its own line")
    outer = _indent(lines[block.line - 1])
    inside = lines[block.line : block.end_line - 1]
    body = [line for line in inside if line.strip() and not line.lstrip().startswith(("#", "//"))]
    inner = _indent(body[0]) if body else outer + "  "
    unit = inner[len(outer) :] or "  "
    new: list[str] = []
    if target.create and body:
        new.append("")
    depth = inner
    for kind in target.create:
        new.append(f"{depth}{kind} {{")
        depth += unit
    name = target.name
    above = lines[block.end_line - 2] if not target.create else ""
    aligned = re.match(r"^(\s*)([A-Za-z_][\w-]*)(\s*)=", above)
    if aligned and aligned.group(1) == depth:
        width = len(aligned.group(2)) + len(aligned.group(3)) - 1
        name = name.ljust(width)
    new.append(f"{depth}{name} = {render(target.value)}")
    for _ in target.create:
        depth = depth[: -len(unit)]
        new.append(f"{depth}}}")
    return [*lines[: block.end_line - 1], *new, *lines[block.end_line - 1 :]]


def _into_existing(parsed: TerraformFile, target: HclTarget) -> HclTarget:
    """The target with the blocks it would create that exist by now (another fix made them) as blocks to
    go into, so two fixes adding settings to one new block make it once."""
    while target.create and not target.tfvars:
        block, _ = find(parsed, replace(target, create=()))
        same = [b for b in block.blocks if b.type == target.create[0]] if block is not None else []
        if len(same) != 1:
            break
        target = replace(target, blocks=(*target.blocks, (target.create[0], "0")), create=target.create[1:])
    return target


def _holds(parsed: TerraformFile, target: HclTarget) -> bool:
    """The target's attribute is written with its value."""
    try:
        _, attribute = find(parsed, target)
    except FixFailed:
        return False
    return attribute is not None and attribute.expr == ("lit", target.value)


def apply(text: str, target: HclTarget, *, verify: bool = True) -> str:
    """`text` with the target set; raises FixFailed when it cannot be done exactly. With `verify`, the
    result is parsed again and must hold the value as a literal."""
    parsed = parse(text, target.file, target.tfvars)
    target = _into_existing(parsed, target)
    settled = replace(target, blocks=(*target.blocks, *((kind, "0") for kind in target.create)), create=())
    if target.create and _holds(parsed, settled):
        return text  # made already (by this fix, merged with others)
    block, attribute = find(parsed, target)
    ends_with_newline = text.endswith("\n")
    lines = text.split("\n")
    if ends_with_newline:
        lines.pop()
    if attribute is not None and not target.create:
        if not literal(attribute.expr):
            raise FixFailed(f"{attribute.name} is no longer a literal")
        changed = replace_value(lines, attribute, target.value)
    elif block is not None:
        if target.create and any(b.type == target.create[0] for b in block.blocks):
            raise FixFailed(f"{target.create[0]} already exists")
        changed = insert(lines, block, target)
    else:
        changed = [*lines, f"{target.name} = {render(target.value)}"]
    result = "\n".join(changed) + ("\n" if ends_with_newline or block is None else "")
    if not verify:
        return result
    _, written = find(parse(result, target.file, target.tfvars), settled)
    if written is None or not literal(written.expr):
        raise FixFailed(f"{target.where} is not a literal after the edit")
    return result
