"""Terraform (.tf, .tfvars) parsing with python-hcl2 7.3.1 (block line numbers via with_meta).

Attribute lines are found inside each block's line range, so a finding points at the offending
attribute rather than the block header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import hcl2
from lark.exceptions import UnexpectedInput

from scanner.parsers import ParsedFile
from scanner.records import ScanError

_ATTR = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*=(?!=)")


@dataclass
class TerraformFile:
    """One parsed file: python-hcl2's dict (with __start_line__/__end_line__) and attribute lines."""

    rel: str
    body: dict[str, Any]
    attribute_lines: dict[int, dict[str, int]] = field(default_factory=dict)  # block start line -> name -> line


def _index_attribute_lines(node: Any, lines: list[str], out: dict[int, dict[str, int]]) -> None:
    if isinstance(node, list):
        for item in node:
            _index_attribute_lines(item, lines, out)
        return
    if not isinstance(node, dict):
        return
    start, end = node.get("__start_line__"), node.get("__end_line__")
    if isinstance(start, int) and isinstance(end, int):
        found: dict[str, int] = {}
        depth = 0
        for number in range(start, min(end, len(lines)) + 1):
            line = lines[number - 1]
            if depth <= 1 or number == start:
                match = _ATTR.match(line)
                if match and match.group(1) not in found and (depth == 1 or number == start):
                    found[match.group(1)] = number
            depth += line.count("{") + line.count("[") + line.count("(")
            depth -= line.count("}") + line.count("]") + line.count(")")
        out[start] = found
    for value in node.values():
        if isinstance(value, (dict, list)):
            _index_attribute_lines(value, lines, out)


def _load(text: str, rel: str) -> tuple[dict[str, Any] | None, ScanError | None]:
    try:
        return hcl2.loads(text, with_meta=True), None
    except UnexpectedInput as exc:
        return None, ScanError(rel, getattr(exc, "line", None), f"invalid HCL: {str(exc).splitlines()[0]}")
    except Exception as exc:
        return None, ScanError(rel, None, f"invalid HCL: {exc}")


def parse(text: str, rel: str) -> ParsedFile:
    if rel.endswith(".json"):
        import json

        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            return ParsedFile(rel, "terraform", errors=[ScanError(rel, exc.lineno, f"invalid JSON: {exc.msg}")])
        return ParsedFile(rel, "terraform", payload=TerraformFile(rel, body if isinstance(body, dict) else {}))
    body, error = _load(text, rel)
    if error:
        return ParsedFile(rel, "terraform", errors=[error])
    lines: dict[int, dict[str, int]] = {}
    _index_attribute_lines(body, text.splitlines(), lines)
    return ParsedFile(rel, "terraform", payload=TerraformFile(rel, body or {}, lines))


def parse_tfvars(text: str, rel: str) -> ParsedFile:
    parsed = parse(text, rel)
    parsed.kind = "tfvars"
    return parsed
