"""Terraform evaluation: one module per directory, resource blocks to Resource records.

Values that need evaluation (interpolations) are Unknown here; see issue #3 for the full evaluator.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from scanner.parsers.terraform import TerraformFile
from scanner.records import Location, Resource, ScanError, Unknown

_META = ("__start_line__", "__end_line__")
_REFERENCE = re.compile(r"(?<![\w.])([a-z][a-z0-9]*_[\w-]+)\.([A-Za-z_][\w-]*)")


@dataclass
class Evaluation:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return Unknown("needs evaluation") if "${" in value else value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in _META}
    return value


def _lines(node: dict[str, Any], file: TerraformFile, prefix: str, out: dict[str, int]) -> None:
    own = file.attribute_lines.get(node.get("__start_line__", -1), {})
    for name, value in node.items():
        if name in _META:
            continue
        path = f"{prefix}{name}"
        if name in own:
            out[path] = own[name]
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict) and "__start_line__" in item:
                    out[f"{path}.{index}"] = item["__start_line__"]
                    out.setdefault(path, item["__start_line__"])
                    _lines(item, file, f"{path}.{index}.", out)


def _references(value: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, str) and "${" in value:
        for match in _REFERENCE.finditer(value):
            if match.group(1) not in ("var", "local", "module", "data", "each", "count", "path", "self"):
                out.append((path, f"{match.group(1)}.{match.group(2)}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _references(item, f"{path}.{index}" if path else str(index), out)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _META:
                _references(item, f"{path}.{key}" if path else key, out)


def evaluate(files: list[TerraformFile], tfvars: list[TerraformFile]) -> Evaluation:
    result = Evaluation()
    modules: dict[str, list[TerraformFile]] = defaultdict(list)
    for file in files:
        modules[posixpath.dirname(file.rel)].append(file)
    for directory in sorted(modules):
        for file in sorted(modules[directory], key=lambda f: f.rel):
            for block in file.body.get("resource", []) or []:
                for rtype, named in block.items():
                    for name, body in named.items():
                        if not isinstance(body, dict):
                            continue
                        lines: dict[str, int] = {}
                        _lines(body, file, "", lines)
                        refs: list[tuple[str, str]] = []
                        _references(body, "", refs)
                        result.resources.append(
                            Resource(
                                framework="terraform",
                                type=rtype,
                                address=f"{rtype}.{name}",
                                attributes=_plain(body),
                                location=Location(file.rel, body.get("__start_line__", 1), body.get("__end_line__")),
                                scope=directory,
                                attribute_lines=lines,
                                references=refs,
                            )
                        )
    return result
