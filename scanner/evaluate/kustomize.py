"""Kustomize rendered natively: every kustomization that is not only a base of another is built as a unit.

No Python library renders kustomizations with the line of every value (the `kustomize` package on PyPI
builds manifests from Python code; `pykustomize` binds the Go binary and returns bare YAML), and a
finding must point at the base resource's line or at the patch that set the value, so the build is
done here on the parsed documents. Each rendered object is a Kubernetes `Resource` whose
`attribute_lines` / `attribute_files` say, per path, which file and line set it, and whose provenance
is the base -> overlay chain: every check and graph edge works on it unchanged.

Supported: local resources and bases (files and directories), components, namespace, namePrefix /
nameSuffix (and the ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim, Service and Role
references they rename), commonLabels and labels (selectors and templates), commonAnnotations,
images, replicas, patches / patchesStrategicMerge / patchesJson6902 (strategic merge with the
Kubernetes merge keys, JSON 6902, inline or from a file, target selectors), configMapGenerator and
secretGenerator (literals, files, envs, hash suffixes, references rewritten). Remote bases are
notices, never fetched; generators, helmCharts, transformers and other plugins are never run.
Work is bounded: nesting depth, objects per unit and bytes per file; a cycle is an error.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from scanner.discover import KUSTOMIZATION_NAMES
from scanner.parsers.kubernetes import CLUSTER_SCOPED, Kustomization, documents_with_lines, object_resource
from scanner.records import Finding, KubernetesMeta, Location, Resource, ScanError

MAX_DEPTH = 20  # kustomizations nested through resources/components (deepest in the corpus: 6, kubeflow)
MAX_OBJECTS = 20_000  # objects of one unit (largest in the corpus: kubeflow's example, about 1,500)
MAX_FILE_BYTES = 2_000_000  # a file a kustomization names (patch, generator input)
WORKLOADS_WITH_SELECTOR = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})
REPLICATED = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
# strategic merge keys of the lists a patch merges item by item (others are replaced whole)
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
}


def _remote(entry: str) -> bool:
    return "://" in entry or entry.startswith(("github.com/", "git@", "gitlab.com/", "bitbucket.org/"))


def listed_resource_files(kustomizations: Iterable[tuple[str, Kustomization]]) -> set[str]:
    """Root-relative paths of the files named under `resources:` by (kustomization path, content) pairs.

    Directories and remote targets among the entries are other kustomizations, which list their own files.
    """
    listed: set[str] = set()
    for rel, kustomization in kustomizations:
        directory = posixpath.dirname(rel)
        for entry in kustomization.resources:
            if _remote(entry):
                continue
            listed.add(posixpath.normpath(posixpath.join(directory, entry)))
    return listed


class KustomizeError(Exception):
    """A kustomization that cannot be built: the file and line that say why."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.message = file, line, message


class KustomizeLimit(KustomizeError):
    """A cycle or a bound: the whole unit is not rendered (other problems leave out one entry)."""


def _left_out(exc: KustomizeError) -> ScanError:
    return ScanError(exc.file, exc.line, f"{exc.message}: left out of the rendered kustomization")


@dataclass
class _Object:
    """An object being built: its data and, per path, the (file, line) that set it."""

    data: dict[str, Any]
    origin: dict[str, tuple[str, int]]
    file: str
    start: int
    end: int | None
    original_name: str
    patched: dict[str, Location] = field(default_factory=dict)  # path -> the patch that set it
    chain: list[Location] = field(default_factory=list)  # the kustomizations that included it, base first

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        metadata = self.data.get("metadata")
        return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""

    @property
    def namespace(self) -> str | None:
        metadata = self.data.get("metadata")
        value = metadata.get("namespace") if isinstance(metadata, dict) else None
        return str(value) if value is not None else None

    def own(self) -> None:
        """Copy the `spec` shared with the parsed file (a CRD's schema) before a patch changes it."""
        if self.data.get("kind") == "CustomResourceDefinition" and "spec" in self.data:
            self.data["spec"] = _copy(self.data["spec"])

    def metadata(self) -> dict[str, Any]:
        metadata = self.data.get("metadata")
        if not isinstance(metadata, dict):
            metadata = self.data["metadata"] = {}
        return metadata

    def set(self, path: list[str], value: Any, where: tuple[str, int]) -> None:
        """Set `path` (creating maps on the way; list indexes must exist) to `value`, set by `where`.

        A value already there is left with its own origin: only a change moves the line."""
        node: Any = self.data
        for depth, part in enumerate(path[:-1]):
            if isinstance(node, list):
                node = node[int(part)]
                continue
            child = node.get(part)
            if not isinstance(child, (dict, list)):
                child = node[part] = {}
                self.origin.setdefault(".".join(path[: depth + 1]), where)
            node = child
        if isinstance(node, list):
            node[int(path[-1])] = value
        elif node.get(path[-1]) == value and ".".join(path) in self.origin:
            return
        else:
            node[path[-1]] = value
        self.replace_origin(".".join(path), {"": where[1]}, where[0])

    def replace_origin(self, path: str, lines: dict[str, int], file: str) -> None:
        """The subtree at `path` now comes from `file`: `lines` are its lines relative to `path` ("" itself)."""
        prefix = path + "."
        for key in [k for k in self.origin if k == path or k.startswith(prefix)]:
            del self.origin[key]
        for sub, line in lines.items():
            self.origin[f"{path}.{sub}" if sub else path] = (file, line)


@dataclass
class _Unit:
    """What building one kustomization produced."""

    objects: list[_Object]
    files: set[str]  # every file it read: not judged alone again
    errors: list[ScanError]


class Renderer:
    """Builds kustomizations under one scan root; files are read through `sources` first (already
    parsed), else from disk inside the root, bounded."""

    def __init__(self, root: Path, parsed_objects: dict[str, list[Resource]]) -> None:
        self.root = root.resolve()
        self.parsed_objects = parsed_objects
        self.errors: list[ScanError] = []
        # every file is read and parsed once, however many units include it (kubeflow: 57 units, 194
        # kustomizations, most sharing bases); only the objects are copied per unit, since units change them
        self.documents: dict[str, list[tuple[Any, dict[str, int], int]]] = {}

    # -- files ---------------------------------------------------------------------------------

    def _read(self, rel: str, at: tuple[str, int | None]) -> str:
        if rel.startswith("../") or rel == ".." or posixpath.isabs(rel):
            raise KustomizeError(at[0], at[1], f"{rel} is outside the scanned root: not read")
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            raise KustomizeError(at[0], at[1], f"{rel} leads outside the scanned root: not read")
        if not path.is_file():
            raise KustomizeError(at[0], at[1], f"{rel} not found")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise KustomizeError(at[0], at[1], f"{rel} is larger than {MAX_FILE_BYTES:,} bytes: not read")
        return path.read_text(encoding="utf-8", errors="replace")

    def _documents(self, rel: str, at: tuple[str, int | None]) -> list[tuple[Any, dict[str, int], int]]:
        """The documents of a file, parsed once; callers never change them."""
        if rel not in self.documents:
            text = self._read(rel, at)
            try:
                self.documents[rel] = documents_with_lines(text)
            except (yaml.YAMLError, ValueError) as exc:
                mark = getattr(exc, "problem_mark", None)
                raise KustomizeError(rel, mark.line + 1 if mark else None, f"invalid YAML: {exc}") from None
        return self.documents[rel]

    def kustomization_file(self, directory: str) -> str | None:
        for name in KUSTOMIZATION_NAMES:
            rel = posixpath.normpath(posixpath.join(directory, name))
            if not rel.startswith("../") and (self.root / rel).is_file():
                return rel
        return None

    def _objects_of_file(self, rel: str, at: tuple[str, int | None]) -> list[_Object]:
        resources = self.parsed_objects.get(rel)
        if resources is None:
            resources = self.parsed_objects[rel] = []
            for doc, lines, start in self._documents(rel, at):
                resource = object_resource(doc, rel, start, None, lines)
                if resource is not None:
                    resources.append(resource)
        return [
            _Object(
                data=_copy_object(r.attributes),
                origin={path: (rel, line) for path, line in r.attribute_lines.items()},
                file=rel,
                start=r.location.start_line,
                end=r.location.end_line,
                original_name=r.kubernetes.name,
            )
            for r in resources
        ]

    # -- building ------------------------------------------------------------------------------

    def build(self, directory: str) -> _Unit:
        unit = _Unit([], set(), [])
        unit.objects = self._build(directory, unit, [], None)
        return unit

    def _build(self, directory: str, unit: _Unit, stack: list[str], inherited: list[_Object] | None) -> list[_Object]:
        krel = self.kustomization_file(directory)
        at = (stack[-1] if stack else directory, None)
        if krel is None:
            raise KustomizeError(at[0], at[1], f"{directory}: no kustomization file in the directory")
        if krel in stack:
            raise KustomizeLimit(krel, None, "kustomization cycle: " + " -> ".join([*stack, krel]))
        if len(stack) >= MAX_DEPTH:
            raise KustomizeLimit(krel, None, f"kustomizations nest deeper than {MAX_DEPTH}: not rendered")
        unit.files.add(krel)
        documents = self._documents(krel, at)
        doc, lines = (documents[0][0], documents[0][1]) if documents else ({}, {})
        if not isinstance(doc, dict):
            raise KustomizeError(krel, 1, "a kustomization must be a mapping")
        stack = [*stack, krel]
        k = _Kustomization(krel, directory, doc, lines)
        objects = list(inherited or [])
        for index, entry in k.entries("resources", "bases"):
            try:
                objects.extend(self._resource_entry(k, index, entry, unit, stack))
            except KustomizeLimit:
                raise
            except KustomizeError as exc:
                unit.errors.append(_left_out(exc))
            self._bound(objects, krel)
        for index, entry in k.entries("components"):
            where = k.at(f"components.{index}")
            if _remote(entry):
                unit.errors.append(ScanError(krel, where[1], f"remote component {entry} not fetched", "info"))
                continue
            if self.kustomization_file(k.join(entry)) is None:
                unit.errors.append(_left_out(KustomizeError(krel, where[1], f"{k.join(entry)}: no kustomization")))
                continue
            objects = self._build(k.join(entry), unit, stack, objects)
            self._bound(objects, krel)
        renames: dict[tuple[str, str], str] = {}
        objects.extend(self._generators(k, unit, objects, renames))
        self._patches(k, objects, unit)
        _namespace(k, objects)
        _prefix_suffix(k, objects, renames)
        _rename_references(objects, renames)
        _labels(k, objects)
        _annotations(k, objects)
        _images(k, objects)
        _replicas(k, objects)
        return objects

    def _bound(self, objects: list[_Object], krel: str) -> None:
        if len(objects) > MAX_OBJECTS:
            raise KustomizeLimit(krel, None, f"more than {MAX_OBJECTS:,} objects: not rendered")

    def _resource_entry(
        self, k: _Kustomization, index: tuple[str, int], entry: str, unit: _Unit, stack: list[str]
    ) -> list[_Object]:
        where = k.at(f"{index[0]}.{index[1]}")
        if _remote(entry):
            unit.errors.append(ScanError(k.rel, where[1], f"remote base {entry} not fetched: not scanned", "info"))
            return []
        target = k.join(entry)
        if target.startswith("../") or target == "..":
            raise KustomizeError(k.rel, where[1], f"{entry} is outside the scanned root: not read")
        if (self.root / target).is_dir():
            if self.kustomization_file(target) is None:
                raise KustomizeError(k.rel, where[1], f"{target}: no kustomization file in the directory")
            objects = self._build(target, unit, stack, None)
        else:
            unit.files.add(target)
            objects = self._objects_of_file(target, where)
        for obj in objects:
            obj.chain.append(Location(k.rel, where[1], where[1], note=f"included by {k.rel}"))
        return objects

    # -- generators ----------------------------------------------------------------------------

    def _generators(
        self, k: _Kustomization, unit: _Unit, objects: list[_Object], renames: dict[tuple[str, str], str]
    ) -> list[_Object]:
        made: list[_Object] = []
        for field_name, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            for index, spec in enumerate(k.list(field_name)):
                if not isinstance(spec, dict) or not spec.get("name"):
                    continue
                path = f"{field_name}.{index}"
                where = k.at(path)
                data = self._generator_data(k, path, spec, unit)
                name = str(spec["name"])
                behavior = spec.get("behavior", "create")
                existing = next((o for o in objects if o.kind == kind and o.original_name == name), None)
                if behavior in ("merge", "replace") and existing is not None:
                    values = existing.data.setdefault("data", {}) if behavior == "merge" else {}
                    existing.data["data"] = {**values, **_encoded(kind, data)}
                    existing.replace_origin("data", {"": where[1], **dict.fromkeys(data, where[1])}, where[0])
                    continue
                options = {**k.dict("generatorOptions"), **(spec.get("options") or {})}
                body: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}
                if kind == "Secret":
                    body["type"] = spec.get("type", "Opaque")
                body["data"] = _encoded(kind, data)
                for key in ("labels", "annotations"):
                    if isinstance(options.get(key), dict):
                        body["metadata"][key] = dict(options[key])
                if spec.get("namespace"):
                    body["metadata"]["namespace"] = spec["namespace"]
                generated = _Object(body, {}, where[0], where[1], where[1], name)
                generated.origin.update({p: where for p in _paths(body)})
                if not options.get("disableNameSuffixHash"):
                    hashed = f"{name}-{_content_hash(body)}"
                    body["metadata"]["name"] = hashed
                    renames[(kind, name)] = hashed
                made.append(generated)
        return made

    def _generator_data(self, k: _Kustomization, path: str, spec: dict[str, Any], unit: _Unit) -> dict[str, str]:
        data: dict[str, str] = {}
        for literal in spec.get("literals") or ():
            key, _, value = str(literal).partition("=")
            data[key.strip()] = value.strip().strip("\"'")
        for entry in spec.get("files") or ():
            key, _, file = str(entry).rpartition("=")
            rel = k.join(file)
            unit.files.add(rel)
            try:
                data[key or posixpath.basename(file)] = self._read(rel, k.at(path))
            except KustomizeError as exc:
                unit.errors.append(_left_out(exc))
        for env in [*(spec.get("envs") or ()), *([spec["env"]] if spec.get("env") else [])]:
            rel = k.join(str(env))
            unit.files.add(rel)
            try:
                text = self._read(rel, k.at(path))
            except KustomizeError as exc:
                unit.errors.append(_left_out(exc))
                continue
            for line in text.splitlines():
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, _, value = line.partition("=")
                    data[key.strip()] = value.strip()
        return data

    # -- patches -------------------------------------------------------------------------------

    def _patches(self, k: _Kustomization, objects: list[_Object], unit: _Unit) -> None:
        for index, entry in enumerate(k.list("patchesStrategicMerge")):
            path = f"patchesStrategicMerge.{index}"
            try:
                self._patch(k, path, self._patch_documents(k, path, entry, None), None, objects, unit)
            except KustomizeError as exc:
                unit.errors.append(_left_out(exc))
        for field_name in ("patches", "patchesJson6902"):
            for index, spec in enumerate(k.list(field_name)):
                if not isinstance(spec, dict):
                    continue
                path = f"{field_name}.{index}"
                target = spec.get("target") if isinstance(spec.get("target"), dict) else None
                try:
                    documents = self._patch_documents(k, path, spec.get("path"), spec.get("patch"))
                    self._patch(k, path, documents, target, objects, unit)
                except KustomizeError as exc:
                    unit.errors.append(_left_out(exc))

    def _patch(
        self,
        k: _Kustomization,
        path: str,
        documents: list[tuple[Any, dict[str, int], str, int]],
        target: dict[str, Any] | None,
        objects: list[_Object],
        unit: _Unit,
    ) -> None:
        """Apply one patch entry. A patch file that patched nothing (its target is in a file the scan does
        not have) stays judged alone, as a fragment, rather than not at all."""
        patched = sum(self._apply_document(k, path, document, target, objects) for document in documents)
        if patched:
            unit.files.update(file for _, _, file, _ in documents if file != k.rel)

    def _patch_documents(
        self, k: _Kustomization, path: str, file: Any, inline: Any
    ) -> list[tuple[Any, dict[str, int], str, int]]:
        """(document, lines, file, line offset) of a patch file or an inline patch."""
        if isinstance(file, str) and not (isinstance(inline, str) or "\n" in file):
            rel = k.join(file)
            return [(doc, lines, rel, 0) for doc, lines, _ in self._documents(rel, k.at(path))]
        text = inline if isinstance(inline, str) else file if isinstance(file, str) else None
        if text is None:
            return []
        key_line = k.lines.get(f"{path}.patch") or k.lines.get(path) or 1
        try:
            documents = documents_with_lines(text)
        except (yaml.YAMLError, ValueError) as exc:
            raise KustomizeError(k.rel, key_line, f"invalid inline patch: {exc}") from None
        return [(doc, lines, k.rel, key_line) for doc, lines, _ in documents]

    def _apply_document(
        self,
        k: _Kustomization,
        path: str,
        patch: tuple[Any, dict[str, int], str, int],
        target: dict[str, Any] | None,
        objects: list[_Object],
    ) -> int:
        """Apply one patch document; the number of objects it patched."""
        doc, lines, file, offset = patch
        lines = {p: line + offset for p, line in lines.items()}
        if isinstance(doc, list):  # JSON 6902 operations
            if target is None:
                raise KustomizeError(k.rel, k.at(path)[1], "a JSON 6902 patch needs a target")
            selected = [obj for obj in objects if _selected(obj, target)]
            for obj in selected:
                obj.own()
                _json6902(obj, doc, lines, file, offset + 1, k.rel)
            return len(selected)
        if not isinstance(doc, dict):
            return 0
        patched = 0
        patch_meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        for obj in objects:
            if target is not None:
                if not _selected(obj, target):
                    continue
            elif obj.kind != doc.get("kind") or patch_meta.get("name") not in (obj.name, obj.original_name):
                continue
            body = {key: value for key, value in doc.items() if target is None or key not in ("metadata",)}
            if target is not None and isinstance(patch_meta, dict):
                body["metadata"] = {key: value for key, value in patch_meta.items() if key not in ("name", "namespace")}
            patched += 1
            if doc.get("$patch") == "delete":
                objects.remove(obj)
                break
            obj.own()
            _merge(obj, obj.data, body, "", "", lines, file)
        return patched


@dataclass
class _Kustomization:
    rel: str
    directory: str
    doc: dict[str, Any]
    lines: dict[str, int]

    def at(self, path: str) -> tuple[str, int]:
        return self.rel, self.lines.get(path, 1)

    def join(self, entry: str) -> str:
        return posixpath.normpath(posixpath.join(self.directory, entry))

    def list(self, name: str) -> list[Any]:
        value = self.doc.get(name)
        return value if isinstance(value, list) else []

    def dict(self, name: str) -> dict[str, Any]:
        value = self.doc.get(name)
        return value if isinstance(value, dict) else {}

    def entries(self, *names: str) -> list[tuple[tuple[str, int], str]]:
        return [((name, i), e) for name in names for i, e in enumerate(self.list(name)) if isinstance(e, str)]


# -- transformers, in the order `kustomize build` runs them ----------------------------------------


def _namespace(k: _Kustomization, objects: list[_Object]) -> None:
    namespace = k.doc.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        return
    where = k.at("namespace")
    for obj in objects:
        if obj.kind in CLUSTER_SCOPED:
            if obj.kind in ("ClusterRoleBinding",):
                _subjects_namespace(obj, namespace, where)
            continue
        obj.set(["metadata", "namespace"], namespace, where)
        if obj.kind == "RoleBinding":
            _subjects_namespace(obj, namespace, where)


def _subjects_namespace(obj: _Object, namespace: str, where: tuple[str, int]) -> None:
    """ServiceAccount subjects follow the namespace kustomize sets, as `kustomize build` does."""
    for index, subject in enumerate(obj.data.get("subjects") or ()):
        if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount":
            obj.set(["subjects", str(index), "namespace"], namespace, where)


def _prefix_suffix(k: _Kustomization, objects: list[_Object], renames: dict[tuple[str, str], str]) -> None:
    prefix, suffix = k.doc.get("namePrefix") or "", k.doc.get("nameSuffix") or ""
    if not isinstance(prefix, str) or not isinstance(suffix, str) or not (prefix or suffix):
        return
    where = k.at("namePrefix" if prefix else "nameSuffix")
    for obj in objects:
        if obj.kind in ("CustomResourceDefinition", "Namespace") or not obj.name:
            continue
        renamed = f"{prefix}{obj.name}{suffix}"
        for (kind, old), new in list(renames.items()):
            if kind == obj.kind and new == obj.name:
                renames[(kind, old)] = renamed
        renames.setdefault((obj.kind, obj.name), renamed)
        obj.set(["metadata", "name"], renamed, where)


# (referenced kind, path of the reference under a pod spec) for the names kustomize rewrites
_POD_REFERENCES = (
    ("ConfigMap", ("volumes", "*", "configMap", "name")),
    ("Secret", ("volumes", "*", "secret", "secretName")),
    ("PersistentVolumeClaim", ("volumes", "*", "persistentVolumeClaim", "claimName")),
    ("ConfigMap", ("volumes", "*", "projected", "sources", "*", "configMap", "name")),
    ("Secret", ("volumes", "*", "projected", "sources", "*", "secret", "name")),
    ("Secret", ("imagePullSecrets", "*", "name")),
    ("ServiceAccount", ("serviceAccountName",)),
    ("ServiceAccount", ("serviceAccount",)),
)
_CONTAINER_REFERENCES = (
    ("ConfigMap", ("env", "*", "valueFrom", "configMapKeyRef", "name")),
    ("Secret", ("env", "*", "valueFrom", "secretKeyRef", "name")),
    ("ConfigMap", ("envFrom", "*", "configMapRef", "name")),
    ("Secret", ("envFrom", "*", "secretRef", "name")),
)
_POD_SPEC_PATHS = (("spec",), ("spec", "template", "spec"), ("spec", "jobTemplate", "spec", "template", "spec"))


def _rename_references(objects: list[_Object], renames: dict[tuple[str, str], str]) -> None:
    if not renames:
        return
    for obj in objects:
        for spec_path in _POD_SPEC_PATHS:
            spec = _at(obj.data, spec_path)
            if not isinstance(spec, dict) or not ("containers" in spec or "volumes" in spec):
                continue
            for kind, ref in _POD_REFERENCES:
                _rewrite(obj.data, [*spec_path, *ref], kind, renames)
            for list_name in ("containers", "initContainers"):
                for index in range(len(spec.get(list_name) or ())):
                    for kind, ref in _CONTAINER_REFERENCES:
                        _rewrite(obj.data, [*spec_path, list_name, str(index), *ref], kind, renames)
        if obj.kind in ("RoleBinding", "ClusterRoleBinding"):
            role_kind = _at(obj.data, ("roleRef", "kind"))
            _rewrite(obj.data, ["roleRef", "name"], str(role_kind), renames)
            _rewrite(obj.data, ["subjects", "*", "name"], "ServiceAccount", renames)
        if obj.kind == "Ingress":
            for rule_path in (("spec", "defaultBackend", "service", "name"),):
                _rewrite(obj.data, list(rule_path), "Service", renames)
            _rewrite(
                obj.data, ["spec", "rules", "*", "http", "paths", "*", "backend", "service", "name"], "Service", renames
            )


def _rewrite(node: Any, path: list[str], kind: str, renames: dict[tuple[str, str], str]) -> None:
    """Rename the reference at `path` (`*`: every list element) when it names a renamed object."""
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for item in node if isinstance(node, list) else ():
            _rewrite(item, rest, kind, renames)
        return
    if isinstance(node, list) and head.isdigit():
        index = int(head)
        if index < len(node):
            _rewrite(node[index], rest, kind, renames)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if not rest:
        value = node[head]
        if isinstance(value, str) and (kind, value) in renames:
            node[head] = renames[(kind, value)]
        return
    _rewrite(node[head], rest, kind, renames)


def _labels(k: _Kustomization, objects: list[_Object]) -> None:
    groups: list[tuple[dict[str, Any], str, bool, bool]] = []  # pairs, path, selectors, templates
    if k.dict("commonLabels"):
        groups.append((k.dict("commonLabels"), "commonLabels", True, True))
    for index, entry in enumerate(k.list("labels")):
        if isinstance(entry, dict) and isinstance(entry.get("pairs"), dict):
            selectors = bool(entry.get("includeSelectors"))
            groups.append(
                (entry["pairs"], f"labels.{index}.pairs", selectors, selectors or bool(entry.get("includeTemplates")))
            )
    for pairs, path, selectors, templates in groups:
        for key, value in pairs.items():
            where = (k.rel, k.lines.get(f"{path}.{key}", k.at(path)[1]))
            for obj in objects:
                obj.set(["metadata", "labels", key], str(value), where)
                if selectors:
                    for selector in _selector_paths(obj):
                        obj.set([*selector, key], str(value), where)
                if templates:
                    for template in _template_paths(obj):
                        obj.set([*template, "labels", key], str(value), where)


def _selector_paths(obj: _Object) -> list[list[str]]:
    """Where a label that includes selectors goes: created on workloads and Services, added only to
    selectors already written elsewhere (a Job's, a PodDisruptionBudget's, a NetworkPolicy's)."""
    if obj.kind in WORKLOADS_WITH_SELECTOR:
        return [["spec", "selector", "matchLabels"]]
    if obj.kind in ("Service", "ReplicationController"):
        return [["spec", "selector"]]
    written = {
        "Job": ("spec", "selector", "matchLabels"),
        "PodDisruptionBudget": ("spec", "selector", "matchLabels"),
        "NetworkPolicy": ("spec", "podSelector", "matchLabels"),
    }.get(obj.kind)
    return [list(written)] if written and isinstance(_at(obj.data, written), dict) else []


def _template_paths(obj: _Object) -> list[list[str]]:
    if obj.kind in (*WORKLOADS_WITH_SELECTOR, "ReplicationController", "Job"):
        return [["spec", "template", "metadata"]]
    if obj.kind == "CronJob":
        return [["spec", "jobTemplate", "spec", "template", "metadata"]]
    return []


def _annotations(k: _Kustomization, objects: list[_Object]) -> None:
    for key, value in k.dict("commonAnnotations").items():
        where = (k.rel, k.lines.get(f"commonAnnotations.{key}", k.at("commonAnnotations")[1]))
        for obj in objects:
            obj.set(["metadata", "annotations", key], str(value), where)
            for template in _template_paths(obj):
                obj.set([*template, "annotations", key], str(value), where)


def _images(k: _Kustomization, objects: list[_Object]) -> None:
    for index, spec in enumerate(k.list("images")):
        if not isinstance(spec, dict) or not spec.get("name"):
            continue
        where = k.at(f"images.{index}")
        for obj in objects:
            for spec_path in _POD_SPEC_PATHS:
                pod = _at(obj.data, spec_path)
                if not isinstance(pod, dict):
                    continue
                for list_name in ("containers", "initContainers"):
                    for position, container in enumerate(pod.get(list_name) or ()):
                        image = container.get("image") if isinstance(container, dict) else None
                        if isinstance(image, str) and _image_name(image) == spec["name"]:
                            obj.set([*spec_path, list_name, str(position), "image"], _new_image(image, spec), where)


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    return name[:colon] if colon > slash else name


def _new_image(image: str, spec: dict[str, Any]) -> str:
    name = str(spec.get("newName") or _image_name(image))
    if spec.get("digest"):
        return f"{name}@{spec['digest']}"
    if spec.get("newTag") is not None:
        return f"{name}:{spec['newTag']}"
    return name + image[len(_image_name(image)) :]


def _replicas(k: _Kustomization, objects: list[_Object]) -> None:
    for index, spec in enumerate(k.list("replicas")):
        if not isinstance(spec, dict) or "count" not in spec:
            continue
        for obj in objects:
            if obj.kind in REPLICATED and spec.get("name") in (obj.name, obj.original_name):
                obj.set(["spec", "replicas"], spec["count"], k.at(f"replicas.{index}.count"))


# -- patch mechanics ----------------------------------------------------------------------------


def _selected(obj: _Object, target: dict[str, Any]) -> bool:
    """A patch target selector: kind, name (a regular expression), namespace, label and annotation selectors."""
    if target.get("kind") and target["kind"] != obj.kind:
        return False
    if target.get("name") and not _name_matches(str(target["name"]), obj):
        return False
    if target.get("namespace") and target["namespace"] != (obj.namespace or "default"):
        return False
    version = target.get("version")
    if version and str(obj.data.get("apiVersion", "")).rsplit("/", 1)[-1] != version:
        return False
    for selector, key in (("labelSelector", "labels"), ("annotationSelector", "annotations")):
        if target.get(selector) and not _matches_selector(str(target[selector]), obj.metadata().get(key) or {}):
            return False
    return True


def _name_matches(pattern: str, obj: _Object) -> bool:
    for name in (obj.name, obj.original_name):
        try:
            if re.fullmatch(pattern, name):
                return True
        except re.error:
            if fnmatch.fnmatchcase(name, pattern):
                return True
    return False


def _matches_selector(selector: str, labels: dict[str, Any]) -> bool:
    """Equality-based label selectors (`a=b,c!=d,e`), the form kustomize targets use."""
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = (s.strip() for s in term.split("!=", 1))
            if str(labels.get(key)) == value:
                return False
        elif "=" in term:
            key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
            if str(labels.get(key)) != value:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def _merge(
    obj: _Object,
    target: dict[str, Any],
    patch: dict[str, Any],
    tpath: str,
    ppath: str,
    lines: dict[str, int],
    file: str,
) -> None:
    """Strategic merge of `patch` into `target` (both at their paths), recording where each value came from."""
    directive = patch.get("$patch")
    if directive == "replace":
        target.clear()
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        t_child = f"{tpath}.{key}" if tpath else key
        p_child = f"{ppath}.{key}" if ppath else key
        if value is None:
            target.pop(key, None)
            obj.replace_origin(t_child, {}, file)
            continue
        current = target.get(key)
        if current == value and not isinstance(value, (dict, list)):
            continue  # the patch repeats the base's value (a name, a kind): the base still sets it
        if isinstance(value, dict) and isinstance(current, dict) and value.get("$patch") != "replace":
            _merge(obj, current, value, t_child, p_child, lines, file)
            continue
        if isinstance(value, list) and isinstance(current, list) and _merge_key(key, value, current):
            _merge_list(obj, current, value, _merge_key(key, value, current), t_child, p_child, lines, file)
            continue
        target[key] = _without_directives(value)
        _set_origin(obj, t_child, p_child, lines, file)


def _merge_key(key: str, patch: list[Any], current: list[Any]) -> str | None:
    if key == "ports":
        items = [i for i in [*patch, *current] if isinstance(i, dict)]
        return "containerPort" if any("containerPort" in i for i in items) else "port" if items else None
    return MERGE_KEYS.get(key)


def _merge_list(
    obj: _Object,
    current: list[Any],
    patch: list[Any],
    merge_key: str,
    tpath: str,
    ppath: str,
    lines: dict[str, int],
    file: str,
) -> None:
    for p_index, item in enumerate(patch):
        p_child = f"{ppath}.{p_index}"
        if not isinstance(item, dict) or merge_key not in item:
            continue
        found = next(
            (i for i, c in enumerate(current) if isinstance(c, dict) and c.get(merge_key) == item[merge_key]), None
        )
        if item.get("$patch") == "delete":
            if found is not None:
                del current[found]
                _shift_origin(obj, tpath, found, -1)
            continue
        if found is None:
            current.append(_without_directives(item))
            _set_origin(obj, f"{tpath}.{len(current) - 1}", p_child, lines, file)
        else:
            _merge(obj, current[found], item, f"{tpath}.{found}", p_child, lines, file)


def _without_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_without_directives(v) for v in value]
    return value


def _set_origin(obj: _Object, tpath: str, ppath: str, lines: dict[str, int], file: str) -> None:
    """The value at `tpath` is the patch's value at `ppath`: its lines, and the patch in the trace."""
    prefix = ppath + "."
    relative = {
        (p[len(prefix) :] if p != ppath else ""): line
        for p, line in lines.items()
        if p == ppath or p.startswith(prefix)
    }
    obj.replace_origin(tpath, relative, file)
    line = lines.get(ppath)
    if line:
        obj.patched[tpath] = Location(file, line, line, note=f"set by the patch in {file}")


def _shift_origin(obj: _Object, list_path: str, index: int, delta: int) -> None:
    """Renumber the origins of list items from `index` on after an insertion (+1) or removal (-1)."""
    prefix = list_path + "."
    moved: dict[str, tuple[str, int]] = {}
    for key in list(obj.origin):
        if not key.startswith(prefix):
            continue
        head, _, rest = key[len(prefix) :].partition(".")
        if not head.isdigit() or int(head) < index:
            continue
        value = obj.origin.pop(key)
        if delta < 0 and int(head) == index:
            continue
        new_head = str(int(head) + delta)
        moved[f"{prefix}{new_head}" + (f".{rest}" if rest else "")] = value
    obj.origin.update(moved)


def _json6902(obj: _Object, operations: list[Any], lines: dict[str, int], file: str, offset: int, krel: str) -> None:
    """RFC 6902 operations on one object; an operation that does not apply is a build error, as in kustomize."""
    for index, op in enumerate(operations):
        if not isinstance(op, dict):
            continue
        line = lines.get(str(index), offset)
        where = (file, line)
        parts = _pointer(str(op.get("path", "")))
        kind = op.get("op")
        try:
            if kind in ("add", "replace"):
                _pointer_set(obj, parts, _copy(op.get("value")), where, insert=kind == "add")
            elif kind == "remove":
                _pointer_remove(obj, parts)
            elif kind in ("copy", "move"):
                source = _pointer(str(op.get("from", "")))
                value = _copy(_at(obj.data, source))
                if kind == "move":
                    _pointer_remove(obj, source)
                _pointer_set(obj, parts, value, where, insert=True)
            elif kind == "test" and _at(obj.data, parts) != op.get("value"):
                return
        except (KeyError, IndexError, TypeError, ValueError):
            raise KustomizeError(
                file, line, f"JSON patch operation {kind} {op.get('path')} does not apply to {obj.kind}/{obj.name}"
            ) from None


def _pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def _pointer_set(obj: _Object, parts: list[str], value: Any, where: tuple[str, int], insert: bool) -> None:
    if not parts:
        raise ValueError("the whole object")
    parent = _at(obj.data, parts[:-1]) if parts[:-1] else obj.data
    last = parts[-1]
    path = ".".join(parts)
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if insert:
            parent.insert(index, value)
            _shift_origin(obj, ".".join(parts[:-1]), index, +1)
        else:
            parent[index] = value
        path = ".".join([*parts[:-1], str(index)])
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise KeyError(path)
    obj.replace_origin(path, {p: where[1] for p in ["", *_paths(value)]}, where[0])
    obj.patched[path] = Location(where[0], where[1], where[1], note=f"set by the JSON patch in {where[0]}")


def _pointer_remove(obj: _Object, parts: list[str]) -> None:
    parent = _at(obj.data, parts[:-1]) if parts[:-1] else obj.data
    last = parts[-1]
    if isinstance(parent, list):
        del parent[int(last)]
        _shift_origin(obj, ".".join(parts[:-1]), int(last), -1)
    elif isinstance(parent, dict):
        del parent[last]
        obj.replace_origin(".".join(parts), {}, "")
    else:
        raise KeyError(last)


def _at(data: Any, path: Iterable[str]) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _paths(value: Any, prefix: str = "") -> list[str]:
    """Every dotted path inside `value` (relative)."""
    out: list[str] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        path = f"{prefix}.{key}" if prefix else str(key)
        out.append(path)
        out.extend(_paths(child, path))
    return out


def _copy(value: Any) -> Any:
    """A copy of plain YAML data (a third of `copy.deepcopy`'s time, which tracks shared references)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _copy_object(attributes: dict[str, Any]) -> dict[str, Any]:
    """The object's data for one unit. A CRD's `spec` (its schema: most of the bytes of argo-cd and
    kubeflow) is shared until a patch changes it (`_Object.own`); transformers only touch its metadata."""
    if attributes.get("kind") == "CustomResourceDefinition":
        return {key: item if key == "spec" else _copy(item) for key, item in attributes.items()}
    return _copy(attributes)


def _encoded(kind: str, data: dict[str, str]) -> dict[str, str]:
    if kind == "Secret":
        return {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return dict(data)


def _content_hash(body: dict[str, Any]) -> str:
    """kustomize's name suffix: sha256 of the object's kind, name and data as Go's `json.Marshal` writes
    them (sorted keys, no spaces, `<`, `>`, `&` escaped), 10 hex digits with 0, 1, 3, a, e replaced by
    g, h, k, m, t so that no word is spelled."""
    encoded: dict[str, Any] = {"kind": body["kind"], "name": body["metadata"]["name"], "data": body.get("data", {})}
    if body["kind"] == "Secret":
        encoded["type"] = body.get("type", "Opaque")
    text = json.dumps(encoded, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return digest.translate(str.maketrans("013ae", "ghkmt"))


# -- the evaluate-stage entry point ----------------------------------------------------------------


@dataclass
class Rendered:
    """Objects of every rendered unit, the files they consumed, and errors / notices."""

    resources: list[Resource]
    consumed: set[str]
    errors: list[ScanError]
    units: int


def render_kustomizations(
    root: Path, kustomization_files: list[str], parsed_objects: dict[str, list[Resource]]
) -> Rendered:
    """Build every kustomization directory that no other kustomization uses as a base or component."""
    renderer = Renderer(root, parsed_objects)
    directories = sorted({posixpath.dirname(rel) for rel in kustomization_files})
    used: set[str] = set()
    components: set[str] = set()
    for rel in kustomization_files:
        for doc, _, _ in _safe_documents(renderer, rel):
            if not isinstance(doc, dict):
                continue
            if doc.get("kind") == "Component":
                components.add(posixpath.dirname(rel))
            k = _Kustomization(rel, posixpath.dirname(rel), doc, {})
            for _, entry in k.entries("resources", "bases", "components"):
                if not _remote(entry):
                    used.add(k.join(entry))
            break
    out = Rendered([], set(), [], 0)
    for directory in directories:
        if directory in used or directory in components:
            continue
        try:
            unit = renderer.build(directory)
        except KustomizeError as exc:
            out.errors.append(
                ScanError(exc.file, exc.line, f"kustomization {directory or '.'} not rendered: {exc.message}")
            )
            continue
        except Exception as exc:  # noqa: BLE001 - a kustomization nobody foresaw must not stop the scan
            krel = renderer.kustomization_file(directory) or directory
            out.errors.append(
                ScanError(krel, None, f"kustomization {directory or '.'} not rendered: internal error {exc!r}")
            )
            continue
        out.units += 1
        out.consumed |= unit.files
        out.errors.extend(error for error in unit.errors if error not in out.errors)
        krel = renderer.kustomization_file(directory) or directory
        out.resources.extend(_resource(obj, directory, krel) for obj in unit.objects)
    return out


def _safe_documents(renderer: Renderer, rel: str) -> list[tuple[Any, dict[str, int], int]]:
    try:
        return renderer._documents(rel, (rel, None))
    except KustomizeError:
        return []  # reported when the unit that holds it is built


def _resource(obj: _Object, directory: str, krel: str) -> Resource:
    """The rendered object as a Resource: lines and files per path, the overlay in its provenance."""
    base = object_resource(obj.data, obj.file, obj.start, obj.end, {})
    assert base is not None  # every rendered object came from a Kubernetes object or a generator
    lines = {path: line for path, (_, line) in obj.origin.items()}
    files = {path: file for path, (file, _) in obj.origin.items() if file != obj.file}
    chain = obj.chain or [Location(krel, 1, 1, note=f"generated by {krel}")]
    provenance = {path: [where, *chain] for path, where in obj.patched.items()}
    for key in obj.data:
        provenance.setdefault(key, list(chain))
    return replace(
        base,
        scope=krel,
        attribute_lines=lines,
        attribute_files=files,
        provenance=provenance,
        meta=replace(base.kubernetes, kustomize_resource=True, kustomization=directory or "."),
    )


def once_per_line(findings: list[Finding]) -> list[Finding]:
    """Findings of rendered objects, once per (check, file, line, message): a base that several overlays
    include fails once on its own line, unless an overlay changed the value (then the line differs)."""
    seen: set[tuple[str, str, int, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        meta = finding.resource.meta
        if isinstance(meta, KubernetesMeta) and meta.kustomization:
            key = (finding.check_id, finding.location.file, finding.location.start_line, finding.message)
            if key in seen:
                continue
            seen.add(key)
        kept.append(finding)
    return kept
