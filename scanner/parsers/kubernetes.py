"""Kubernetes manifests: PyYAML's C loader (safe: builds only plain data), with line marks.

Each document is composed to nodes by libyaml, then turned into plain Python data by one walk
that also records the line of every attribute path, reports duplicate keys and bounds alias
expansion (a "billion laughs" file is an error, not a hang) and nesting (recursive aliases).
JSON manifests go through the same path (JSON is YAML) so they get line marks too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import yaml

from scanner.discover import KUSTOMIZATION_NAMES
from scanner.parsers import ParsedFile
from scanner.records import KubernetesMeta, Location, Resource, ScanError

MAX_NODES = 250_000  # values built per document, aliases counted each time they are used (largest corpus
# manifest: 24k, a kuberay CRD bundle)
MAX_DEPTH = 400  # nesting of the built data; only recursive aliases get near it in real manifests
CLUSTER_SCOPED = frozenset(
    {
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
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "APIService",
        "PodSecurityPolicy",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "ClusterIssuer",
        "GatewayClass",
    }
)
# A CRD's OpenAPI schema is most of the Kubernetes bytes of a repository (argo-cd, kubeflow) and no
# check reads inside it: recording the line of every path below `spec.versions.N.schema.openAPIV3Schema`
# made up 85 of the 93 MiB their parse results pickle to. Those paths keep their values; a line
# asked for below this depth is that of the closest recorded parent (`Resource.line_of`).
CRD_LINE_DEPTH = 5
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


_RESOLVED: dict[tuple[bool, bool], dict[str, str]] = {}  # (plain, quoted) -> scalar -> implicit tag
_RESOLVED_MAX = 50_000  # scalars remembered per style; keys and enum-like values repeat a lot


class _Resolving:
    """Safe loaders that also accept the YAML `=` (value) tag some CRDs use (as its string)."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """PyYAML's regex resolution, memoised: it was a third of the parse time on manifests."""
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        cache = _RESOLVED.get(implicit)
        if cache is None:
            cache = _RESOLVED.setdefault(tuple(implicit), {})
        tag = cache.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(cache) < _RESOLVED_MAX and len(value) < 128:
                cache[value] = tag
        return tag


class _Loader(_Resolving, yaml.CSafeLoader):
    """libyaml: about ten times the speed of the pure loader."""


class _PureLoader(_Resolving, yaml.SafeLoader):
    """PyYAML's own scanner, for the files libyaml rejects although they are valid: libyaml refuses a
    plain scalar holding `::` in a flow sequence (`[1.2.3.4, 2001:db8::]`), the pure scanner reads it."""


for _loader in (_Loader, _PureLoader):
    _loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


class _Unbuildable(Exception):
    """The document expands beyond MAX_NODES or nests beyond MAX_DEPTH."""


class _Builder:
    """Turns composed nodes into plain data plus `path -> line` marks and duplicate keys.

    One builder per YAML document, so the expansion budget covers every object of a `*List`.
    """

    __slots__ = ("loader", "constructors", "budget", "lines", "dupes", "line_depth")

    def __init__(self, loader: _Loader | _PureLoader) -> None:
        self.loader = loader
        self.constructors = loader.yaml_constructors
        self.budget = MAX_NODES
        self.line_depth = MAX_DEPTH + 1  # paths with more parts than this get no line of their own
        self.lines: dict[str, int] = {}
        self.dupes: list[tuple[str, int]] = []

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR:
            return node.value
        constructor = self.constructors.get(node.tag, self.constructors[None])
        return constructor(self.loader, node)

    def build(self, node: yaml.Node, path: str, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0 or depth > MAX_DEPTH:
            raise _Unbuildable
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if node.tag not in (_MAP, _SEQ):  # e.g. !!python/object/apply: refused, never constructed
            raise yaml.constructor.ConstructorError(
                None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
            )
        lines = self.lines
        record = depth < self.line_depth
        prefix = f"{path}." if path else ""
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                child = f"{prefix}{index}"
                if record:
                    lines[child] = item.start_mark.line + 1
                items.append(self.build(item, child, depth + 1))
            return items
        merged = 0
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                own = sum(1 for key, _ in node.value if key.tag != _MERGE)
                self.loader.flatten_mapping(node)  # merged pairs come first; the mapping's own keys win
                merged = len(node.value) - own
                break
        out: dict[str, Any] = {}
        own: set[str] = set()
        for position, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):  # `image: {{ .Values.image }}` composes to one
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping or list used as a key (an unrendered {{ }} template?)", key_node.start_mark
                )
            key = self.scalar(key_node)
            key = key if isinstance(key, str) else str(key)
            child = prefix + key
            line = key_node.start_mark.line + 1
            if position >= merged:
                if key in own:
                    self.dupes.append((child, line))
                own.add(key)
            if record:
                lines[child] = line
            out[key] = self.build(value_node, child, depth + 1)
        return out


def is_kustomization_file(rel: str) -> bool:
    return rel.rsplit("/", 1)[-1] in KUSTOMIZATION_NAMES


@dataclass(frozen=True)
class Kustomization:
    """What a kustomization file says about other files: the entries of `resources:` (and the
    deprecated `bases:`), as written (files, directories or remote targets, relative to its directory)."""

    resources: tuple[str, ...]


def _field(node: yaml.Node, name: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return value
    return None


def _end_line(node: yaml.Node) -> int:
    return max(node.start_mark.line + 1, node.end_mark.line + (0 if node.end_mark.column == 0 else 1))


def _objects(node: yaml.Node, builder: _Builder, rel: str, parsed: ParsedFile) -> None:
    """Resources of one document node; a `kind: *List` is unpacked item by item."""
    kind = _field(node, "kind")
    items = _field(node, "items")
    if (
        isinstance(kind, yaml.ScalarNode)
        and kind.value.endswith("List")
        and isinstance(items, yaml.SequenceNode)
        and _field(node, "apiVersion") is not None
    ):
        for item in items.value:
            _objects(item, builder, rel, parsed)
        return
    builder.lines, builder.dupes = {}, []
    crd = isinstance(kind, yaml.ScalarNode) and kind.value == "CustomResourceDefinition"
    builder.line_depth = CRD_LINE_DEPTH if crd else MAX_DEPTH + 1
    start = node.start_mark.line + 1
    try:
        doc = builder.build(node, "", 0)
    except _Unbuildable:
        parsed.errors.append(
            ScanError(
                rel,
                start,
                f"YAML document expands to more than {MAX_NODES:,} values or nests deeper than {MAX_DEPTH} "
                "(alias bomb or recursive alias?): not scanned",
            )
        )
        return
    for path, line in builder.dupes:
        parsed.errors.append(ScanError(rel, line, f"duplicate key {path!r}: the last value is used", "warning"))
    if is_kustomization_file(rel) and isinstance(doc, dict) and parsed.payload is None:
        parsed.payload = Kustomization(
            resources=tuple(item for item in doc.get("resources") or () if isinstance(item, str))
            + tuple(item for item in doc.get("bases") or () if isinstance(item, str))
        )
    resource = _resource(doc, rel, start, _end_line(node), builder.lines)
    if resource is not None:
        parsed.resources.append(resource)


def _resource(doc: Any, rel: str, start: int, end: int, lines: dict[str, int]) -> Resource | None:
    """A Kubernetes object, or None for documents that are not one (skipped silently)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str) or not isinstance(doc.get("apiVersion"), str):
        return None
    kind = doc["kind"]
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = str(metadata.get("name") or metadata.get("generateName") or "unnamed")
    namespace = None if kind in CLUSTER_SCOPED else str(metadata.get("namespace") or "default")
    return Resource(
        framework="kubernetes",
        type=kind,
        address=f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}",
        attributes=doc,
        location=Location(rel, start, end),
        scope=rel,
        attribute_lines=lines,
        meta=KubernetesMeta(
            name=name, namespace=namespace, namespace_explicit="namespace" in metadata, api_version=doc["apiVersion"]
        ),
    )


def _yaml_error(rel: str, exc: yaml.YAMLError, default_line: int | None) -> ScanError:
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or exc).strip()
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    where = f" (column {mark.column + 1})" if mark else ""
    if context and context_mark:
        where += f" {context} that starts at line {context_mark.line + 1}"
    return ScanError(rel, mark.line + 1 if mark else default_line, f"invalid YAML: {problem}{where}")


def parse(text: str, rel: str) -> ParsedFile:
    if rel.lower().endswith(".json"):
        return _parse_json(text, rel)
    return _parse_yaml(text, rel)


def _parse_yaml(text: str, rel: str) -> ParsedFile:
    """libyaml first; a file it rejects is read again by the pure loader. When both fail, the one
    that read further is kept: its documents and its error, at the real problem."""
    parsed = _load(_Loader, text, rel)
    failed = _first_error_line(parsed)
    if failed is None:
        return parsed
    again = _load(_PureLoader, text, rel)
    failed_again = _first_error_line(again)
    if failed_again is None:
        return again
    chosen = again if failed_again > failed else parsed
    if "{{" in text:  # a template outside a Helm chart's templates/: say what to do about it
        chosen.errors = [
            replace(e, message=f"{e.message}{TEMPLATE_HINT}") if e.message.startswith("invalid YAML") else e
            for e in chosen.errors
        ]
    return chosen


TEMPLATE_HINT = " (the file holds `{{`: if it is a template, scan what it renders or list it in exclude-paths)"


def _first_error_line(parsed: ParsedFile) -> int | None:
    lines = [e.line or 0 for e in parsed.errors if e.level == "error"]
    return min(lines) if lines else None


def _load(loader_class: type[_Loader] | type[_PureLoader], text: str, rel: str) -> ParsedFile:
    parsed = ParsedFile(rel, "kubernetes")
    loader = loader_class(text)
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.YAMLError as exc:
                parsed.errors.append(_yaml_error(rel, exc, None))
                break
            if node is None:
                continue
            try:
                _objects(node, _Builder(loader), rel, parsed)
            except yaml.YAMLError as exc:
                parsed.errors.append(_yaml_error(rel, exc, node.start_mark.line + 1))
    finally:
        loader.dispose()
    return parsed


def _parse_json(text: str, rel: str) -> ParsedFile:
    """Strict JSON first (YAML would accept invalid JSON), then the YAML path for line marks.

    JSON that YAML 1.1 cannot read (tabs in indentation, some escapes) keeps its objects, without
    attribute lines.
    """
    parsed = ParsedFile(rel, "kubernetes")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        parsed.errors.append(ScanError(rel, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"))
        return parsed
    with_lines = _parse_yaml(text, rel)
    if not with_lines.errors:
        return with_lines
    items = doc.get("items") if isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List") else None
    end = text.count("\n") + 1
    docs = items if isinstance(items, list) else [doc]
    parsed.resources = [r for r in (_resource(d, rel, 1, end, {}) for d in docs) if r is not None]
    return parsed
