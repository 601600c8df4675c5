"""Kubernetes manifests: PyYAML's C loader (safe: builds only plain data), with line marks.

Composes each document to nodes first so every attribute path gets its line, duplicate keys are
reported, and alias expansion is bounded (a "billion laughs" file is an error, not a hang).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from scanner.parsers import ParsedFile
from scanner.records import Location, Resource, ScanError

MAX_NODES = 500_000  # nodes visited per document, aliases counted each time they are used
CLUSTER_SCOPED = {
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
    "PodSecurityPolicy",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "VolumeAttachment",
}


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe loader that also accepts the YAML `=` (value) tag some CRDs use."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


class _TooLarge(Exception):
    pass


def _to_python(
    node: yaml.Node,
    loader: yaml.SafeLoader,
    path: str,
    lines: dict[str, int],
    budget: list[int],
    dupes: list[tuple[str, int]],
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key = str(key) if not isinstance(key, str) else key
            child = f"{path}.{key}" if path else key
            if key in out:
                dupes.append((child, key_node.start_mark.line + 1))
            lines[child] = key_node.start_mark.line + 1
            out[key] = _to_python(value_node, loader, child, lines, budget, dupes)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = f"{path}.{index}" if path else str(index)
            lines[child] = item.start_mark.line + 1
            items.append(_to_python(item, loader, child, lines, budget, dupes))
        return items
    return loader.construct_object(node, deep=True)


def _resources(doc: Any, rel: str, start: int, end: int, lines: dict[str, int], prefix: str = "") -> list[Resource]:
    if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
        return []
    kind = str(doc.get("kind"))
    if kind == "List" or kind.endswith("List") and isinstance(doc.get("items"), list):
        out: list[Resource] = []
        for index, item in enumerate(doc.get("items") or []):
            sub = f"{prefix}items.{index}."
            sub_lines = {k[len(sub) :]: v for k, v in lines.items() if k.startswith(sub)}
            item_line = lines.get(f"{prefix}items.{index}", start)
            out += _resources(item, rel, item_line, item_line, sub_lines)
        return out
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = str(metadata.get("name") or metadata.get("generateName") or "unnamed")
    namespace = None if kind in CLUSTER_SCOPED else str(metadata.get("namespace") or "default")
    address = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
    return [
        Resource(
            framework="kubernetes",
            type=kind,
            address=address,
            attributes=doc,
            location=Location(rel, start, end),
            scope=rel,
            attribute_lines=lines,
            extra={
                "namespace": namespace,
                "name": name,
                "api_version": doc.get("apiVersion"),
                "namespace_explicit": "namespace" in metadata,
            },
        )
    ]


def parse(text: str, rel: str) -> ParsedFile:
    parsed = ParsedFile(rel, "kubernetes")
    if rel.endswith(".json"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            parsed.errors.append(ScanError(rel, exc.lineno, f"invalid JSON: {exc.msg}"))
            return parsed
        parsed.resources = _resources(doc, rel, 1, text.count("\n") + 1, {})
        return parsed
    loader = _Loader(text)
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                parsed.errors.append(ScanError(rel, mark.line + 1 if mark else None, f"invalid YAML: {_problem(exc)}"))
                break
            if node is None:
                continue
            lines: dict[str, int] = {}
            dupes: list[tuple[str, int]] = []
            start, end = node.start_mark.line + 1, node.end_mark.line + (0 if node.end_mark.column == 0 else 1)
            try:
                doc = _to_python(node, loader, "", lines, [MAX_NODES], dupes)
            except _TooLarge:
                parsed.errors.append(
                    ScanError(
                        rel, start, f"YAML document expands to more than {MAX_NODES:,} nodes (alias bomb?): not scanned"
                    )
                )
                continue
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                parsed.errors.append(ScanError(rel, mark.line + 1 if mark else start, f"invalid YAML: {_problem(exc)}"))
                continue
            for path, line in dupes:
                parsed.errors.append(ScanError(rel, line, f"duplicate key {path!r}: the last value is used", "warning"))
            parsed.resources += _resources(doc, rel, start, max(start, end), lines)
    finally:
        loader.dispose()
    return parsed


def _problem(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc).strip()
