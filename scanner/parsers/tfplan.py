"""Terraform plan JSON (`terraform show -json plan.out`) to Resources.

A plan is the ground truth of what Terraform will create or change, so each resource instance of
`planned_values` (root and child modules, any depth) becomes one Resource with its full plan
address, joined with `resource_changes` (actions, unknown and sensitive leaves) and
`configuration` (expression references, which give graph edges even when ids are unknown).

- Gating: only resources whose actions include create or update (a replace counts) are gated;
  no-op, read (data sources) and delete are context for graph checks (`PlanChange.gated` false).
  Deleted instances exist only in `resource_changes` and carry their `before` values.
- Data sources keep their Terraform type with `PlanChange.mode == "data"`; they are context only,
  never gated (checks are written for managed resources), even with `--all-resources`.
- Unknown: a leaf flagged in `after_unknown` is `Unknown("known after apply")`, never a failure.
- Sensitive: a leaf flagged in `after_sensitive` / `sensitive_values` is replaced by
  `Unknown(SENSITIVE)` before any check sees it. A check cannot print what it never received, and
  a masked value is neither pass nor fail (the check's verdict is "unknown"), like an unknown one.
- Locations: the plan has no file or line positions of the source; a Resource points at its own
  object in the plan file (line and column, so single-line JSON still gives a precise place), and
  in pretty-printed plans its attributes point at their lines. `scanner.plan` maps them to `.tf`.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

from scanner.parsers import ParsedFile
from scanner.records import Location, PlanChange, Resource, ScanError, TerraformMeta, Unknown

KIND = "tfplan"
UNKNOWN_AFTER_APPLY = "known after apply"
SENSITIVE = "sensitive value (masked)"
SUPPORTED_MAJOR_VERSIONS = (0, 1)
GATED_ACTIONS = ("create", "update")

_MODULE_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.')
_INDEX = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]')
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')
_SECTIONS = ("planned_values", "resource_changes")
_REFERENCE = re.compile(r'((?:data\.)?[A-Za-z][\w-]*\.[A-Za-z_][\w-]*)(\[(?:\d+|"(?:[^"\\]|\\.)*")\])?')
_MODULE_OUTPUT = re.compile(r'module\.([A-Za-z0-9_-]+)(\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.([A-Za-z_][\w-]*)')
_NOT_RESOURCES = ("var", "local", "module", "each", "count", "path", "self", "terraform")


@dataclass
class PlanInfo:
    """What `scanner.plan` needs besides the Resources: versions, change count, module sources."""

    format_version: str
    terraform_version: str
    changes: int  # resources gated by default: created, updated or replaced
    module_sources: dict[str, str] = field(default_factory=dict)  # "a.b" (module call names) -> source


def parse(text: str, rel: str) -> ParsedFile:
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        what = "truncated JSON (the file ends inside an object or array)" if _unclosed(text) else "invalid JSON"
        message = f"{what}: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        return ParsedFile(rel, KIND, errors=[ScanError(rel, exc.lineno, message)])
    problem = _not_a_plan(plan)
    if problem:
        return ParsedFile(rel, KIND, errors=[ScanError(rel, 1, problem)])
    return _Builder(plan, text, rel).build()


def _unclosed(text: str) -> bool:
    """True when brackets are still open at the end: a cut-off download or a full disk."""
    depth = 0
    for token in _TOKEN.finditer(text):
        t = token.group()
        depth += 1 if t in "{[" else -1 if t in "}]" else 0
    stripped = text.rstrip()
    return depth > 0 or stripped.count('"') % 2 == 1 or not stripped.endswith(("}", "]"))


def _not_a_plan(plan: Any) -> str | None:
    if not isinstance(plan, dict):
        return "not a Terraform plan: the JSON document is not an object"
    if "planned_values" not in plan and "resource_changes" not in plan:
        if "values" in plan:
            return "not a Terraform plan: this is a state file (`terraform show -json` without a plan file)"
        return "not a Terraform plan: no planned_values or resource_changes (use `terraform show -json plan.out`)"
    version = plan.get("format_version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+", version):
        return f"not a Terraform plan: missing or malformed format_version {version!r}"
    if int(version.split(".")[0]) not in SUPPORTED_MAJOR_VERSIONS:
        return f"unsupported plan format_version {version} (iacgate reads 0.1 through 1.x)"
    return None


def is_gated(actions: list[str]) -> bool:
    """Create or update, including both halves of a replace; never no-op, read, delete or forget."""
    return any(a in GATED_ACTIONS for a in actions)


def split_address(address: str) -> tuple[str, str]:
    """`module.a["k"].module.b.aws_x.y[0]` -> (`module.a["k"].module.b`, `aws_x.y[0]`)."""
    pos = 0
    while match := _MODULE_STEP.match(address, pos):
        pos = match.end()
    return address[: max(pos - 1, 0)], address[pos:]


def module_names(module_address: str) -> list[str]:
    """Module call names along a module address, instance keys dropped."""
    return [m.group(1) for m in _MODULE_STEP.finditer(module_address + ".")]


def strip_keys(address: str) -> str:
    """The address without any instance key: what a configuration block is called."""
    out, pos = [], 0
    while pos < len(address):
        if address[pos] == "[":
            match = _INDEX.match(address, pos)
            if match:
                pos = match.end()
                continue
        out.append(address[pos])
        pos += 1
    return "".join(out)


def _key(index: Any) -> str:
    if index is None:
        return ""
    return f"[{index}]" if isinstance(index, int) else f"[{json.dumps(index)}]"


def overlay_unknown(value: Any, unknown: Any) -> Any:
    """`after` with `Unknown` at every leaf `after_unknown` marks true (creating parents as needed)."""
    if unknown is True:
        return Unknown(UNKNOWN_AFTER_APPLY)
    if isinstance(unknown, dict) and _has_true(unknown):
        base = dict(value) if isinstance(value, dict) else {}
        for name, sub in unknown.items():
            if _has_true(sub):
                base[name] = overlay_unknown(base.get(name), sub)
        return base
    if isinstance(unknown, list) and _has_true(unknown):
        base_list = list(value) if isinstance(value, list) else []
        base_list.extend([None] * (len(unknown) - len(base_list)))
        for index, sub in enumerate(unknown):
            if _has_true(sub):
                base_list[index] = overlay_unknown(base_list[index], sub)
        return base_list
    return value


def mask_sensitive(value: Any, sensitive: Any) -> Any:
    """Replace every leaf (or whole subtree) marked sensitive by `Unknown(SENSITIVE)`."""
    if sensitive is True:
        return Unknown(SENSITIVE)
    if isinstance(sensitive, dict) and isinstance(value, dict):
        return {k: mask_sensitive(v, sensitive.get(k)) for k, v in value.items()}
    if isinstance(sensitive, list) and isinstance(value, list):
        return [mask_sensitive(v, sensitive[i] if i < len(sensitive) else None) for i, v in enumerate(value)]
    return value


def _has_true(marks: Any) -> bool:
    if marks is True:
        return True
    if isinstance(marks, dict):
        return any(_has_true(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_has_true(v) for v in marks)
    return False


class _Positions:
    """Where objects and keys of `planned_values` / `resource_changes` sit in the text.

    One pass over the JSON tokens (strings and punctuation, so it is fast on big plans), tracking
    the path of keys and array indexes; paths are tuples like ("planned_values", "root_module",
    "resources", 3). Only those two sections are recorded, which keeps memory small.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.objects: dict[tuple[Any, ...], tuple[int, int]] = {}  # path -> (start, end) offsets
        self.key_offsets: list[int] = []  # ascending (text order)
        self.key_paths: list[tuple[Any, ...]] = []  # path of the key at the same position
        self._scan()

    def _scan(self) -> None:
        path: list[Any] = []  # one entry per open container: current key / index
        kinds: list[str] = []
        starts: list[int] = []
        pending_key: str | None = None
        for token in _TOKEN.finditer(self.text):
            t = token.group()
            if t in "{[":
                kinds.append(t)
                starts.append(token.start())
                path.append(0 if t == "[" else None)
            elif t in "}]":
                if not kinds:
                    return
                kinds.pop()
                start = starts.pop()
                path.pop()
                if t == "}" and self._recorded(path):
                    self.objects[tuple(path)] = (start, token.end())
            elif t == ",":
                if kinds and kinds[-1] == "[":
                    path[-1] += 1
            elif t == ":":
                if pending_key is not None and kinds and kinds[-1] == "{":
                    path[-1] = pending_key
                    if self._recorded(path):
                        self.key_offsets.append(self._key_offset)
                        self.key_paths.append(tuple(path))
                pending_key = None
                continue
            else:  # a string: a key if a colon follows
                pending_key = json.loads(t) if "\\" in t else t[1:-1]
                self._key_offset = token.start()
                continue
            pending_key = None

    @staticmethod
    def _recorded(path: list[Any]) -> bool:
        return bool(path) and path[0] in _SECTIONS

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_left(self.newlines, offset)
        column = offset - (self.newlines[line - 1] + 1 if line else 0)
        return line + 1, column + 1

    def location(self, rel: str, path: tuple[Any, ...]) -> Location | None:
        span = self.objects.get(path)
        if span is None:
            return None
        (start_line, column), (end_line, _) = self.line_col(span[0]), self.line_col(span[1] - 1)
        return Location(rel, start_line, end_line, start_column=column)

    def attribute_lines(self, path: tuple[Any, ...], start_line: int) -> dict[str, int]:
        """Dotted attribute path -> line for keys under `path` (a resource's values/after object)."""
        span = self.objects.get(path)
        if span is None:
            return {}
        depth = len(path)
        out: dict[str, int] = {}
        first = bisect.bisect_left(self.key_offsets, span[0])
        last = bisect.bisect_left(self.key_offsets, span[1])
        for offset, key_path in zip(self.key_offsets[first:last], self.key_paths[first:last], strict=True):
            if len(key_path) > depth and key_path[:depth] == path:
                line = self.line_col(offset)[0]
                if line != start_line:
                    out[".".join(str(p) for p in key_path[depth:])] = line
        return out


class _Builder:
    def __init__(self, plan: dict[str, Any], text: str, rel: str) -> None:
        self.plan = plan
        self.text = text
        self.rel = rel
        self.changes: dict[str, tuple[int, dict[str, Any]]] = {}
        for number, change in enumerate(plan.get("resource_changes") or []):
            if isinstance(change, dict) and isinstance(change.get("address"), str) and not change.get("deposed"):
                self.changes[change["address"]] = (number, change)
        self.configs: dict[tuple[str, str], dict[str, Any]] = {}  # (module names "a.b", "type.name") -> config
        self.module_sources: dict[str, str] = {}
        self.calls: dict[str, dict[str, Any]] = {}  # "a.b" (module call names) -> module_calls entry
        root = (plan.get("configuration") or {}).get("root_module") or {}
        self._index_configuration(root, [])
        self._positions: _Positions | None = None
        self.instances: dict[str, list[str]] = {}  # address without the resource's own key -> instances
        self.module_instances: dict[str, list[str]] = {}  # "module.a.module.b" -> instance addresses

    @property
    def positions(self) -> _Positions:
        if self._positions is None:
            self._positions = _Positions(self.text)
        return self._positions

    def _index_configuration(self, module: dict[str, Any], names: list[str]) -> None:
        prefix = ".".join(names)
        for config in module.get("resources") or []:
            if isinstance(config, dict) and isinstance(config.get("address"), str):
                self.configs[(prefix, config["address"])] = config
        for name, call in sorted((module.get("module_calls") or {}).items()):
            if not isinstance(call, dict):
                continue
            child = [*names, name]
            self.calls[".".join(child)] = call
            if isinstance(call.get("source"), str):
                self.module_sources[".".join(child)] = call["source"]
            self._index_configuration(call.get("module") or {}, child)

    def build(self) -> ParsedFile:
        resources: list[Resource] = []
        seen: set[str] = set()
        root = (self.plan.get("planned_values") or {}).get("root_module") or {}
        for path, entry in self._planned(root, ("planned_values", "root_module")):
            address = entry["address"]
            if address in seen:
                continue
            seen.add(address)
            resources.append(self._resource(entry, path))
        for address, (number, change) in sorted(self.changes.items(), key=lambda item: item[1][0]):
            if address not in seen:  # deleted (or forgotten) instances are only in resource_changes
                seen.add(address)
                resources.append(self._resource(change, ("resource_changes", number)))
        self._link(resources)
        changes = sum(1 for r in resources if r.terraform.gated)
        info = PlanInfo(
            format_version=str(self.plan.get("format_version")),
            terraform_version=str(self.plan.get("terraform_version") or "unknown"),
            changes=changes,
            module_sources=dict(sorted(self.module_sources.items())),
        )
        return ParsedFile(self.rel, KIND, resources=resources, payload=info)

    def _planned(self, module: dict[str, Any], path: tuple[Any, ...]):
        for number, entry in enumerate(module.get("resources") or []):
            if isinstance(entry, dict) and isinstance(entry.get("address"), str) and entry.get("type"):
                yield (*path, "resources", number), entry
        for number, child in enumerate(module.get("child_modules") or []):
            if isinstance(child, dict):
                yield from self._planned(child, (*path, "child_modules", number))

    def _resource(self, entry: dict[str, Any], path: tuple[Any, ...]) -> Resource:
        """One instance: `entry` is its planned_values object, or its resource_changes object if deleted."""
        address = entry["address"]
        change = self.changes.get(address, (0, {}))[1].get("change") or {}
        # a plan without resource_changes (hand-trimmed) cannot say what changes: judge everything
        unknown_actions = "resource_changes" not in self.plan
        actions = _actions(self.changes.get(address, (0, {}))[1]) or ([] if unknown_actions else ["no-op"])
        deleted = "delete" in actions and not is_gated(actions)
        if deleted:
            values = change.get("before") if isinstance(change.get("before"), dict) else {}
            attributes = mask_sensitive(values, change.get("before_sensitive"))
            values_path = (*path, "change", "before")
        else:
            planned = entry.get("values") if isinstance(entry.get("values"), dict) else None
            values = planned if planned is not None else change.get("after")
            values = values if isinstance(values, dict) else {}
            values_path = (*path, "values") if planned is not None else (*path, "change", "after")
            attributes = overlay_unknown(values, change.get("after_unknown"))
            attributes = mask_sensitive(attributes, entry.get("sensitive_values"))
            attributes = mask_sensitive(attributes, change.get("after_sensitive"))
        mode = entry.get("mode") or ("data" if split_address(address)[1].startswith("data.") else "managed")
        module_address = split_address(address)[0]
        location = self.positions.location(self.rel, path) or Location(self.rel, 1, 1)
        lines = {}
        if location.end_line != location.start_line:  # pretty-printed: attributes have their own lines
            lines = self.positions.attribute_lines(values_path, location.start_line)
        return Resource(
            framework="terraform",
            type=str(entry.get("type")),
            address=address,
            attributes=attributes if isinstance(attributes, dict) else {},
            location=location,
            scope=self.rel,
            attribute_lines=lines,
            meta=TerraformMeta(
                module=module_address,
                plan=PlanChange(
                    mode=mode,
                    actions=tuple(actions),
                    gated=mode == "managed" and (is_gated(actions) or unknown_actions),
                    index=entry.get("index"),
                ),
            ),
        )

    def _link(self, resources: list[Resource]) -> None:
        """Graph `references` from configuration expressions, resolved to full instance addresses."""
        for resource in resources:
            module_address, local = split_address(resource.address)  # instances of one module instance
            base = f"{module_address}.{strip_keys(local)}" if module_address else strip_keys(local)
            self.instances.setdefault(base, []).append(resource.address)
            module_address = resource.terraform.module
            for step in _MODULE_STEP.finditer(f"{module_address}."):  # every enclosing module instance
                known = self.module_instances.setdefault(strip_keys(module_address[: step.end() - 1]), [])
                if module_address[: step.end() - 1] not in known:
                    known.append(module_address[: step.end() - 1])
        for resource in resources:
            module_address, local = split_address(resource.address)
            config = self.configs.get((".".join(module_names(module_address)), strip_keys(local)))
            if config is None:
                continue
            refs: list[tuple[str, str]] = []
            _expression_references(config.get("expressions") or {}, "", refs)
            plan = resource.terraform.plan
            own_key = _key(plan.index if plan else None)
            for attribute, reference in refs:
                for target in self._targets(reference, module_address, own_key, 0):
                    if target != resource.address and (attribute, target) not in resource.references:
                        resource.references.append((attribute, target))

    def _targets(self, reference: str, module_address: str, own_key: str, depth: int) -> list[str]:
        """Full addresses a module-relative reference (`aws_s3_bucket.b[0].id`) can point at.

        A module output (`module.s3.bucket_id`) is followed into the module to the resources its
        value expression references, so a root resource wired to a module's bucket is linked to it.
        """
        prefix = f"{module_address}." if module_address else ""
        output = _MODULE_OUTPUT.match(reference)
        if output and depth < 16:
            name, key, attribute = output.group(1), output.group(2) or "", output.group(3)
            names = [*module_names(module_address), name]
            call = self.calls.get(".".join(names)) or {}
            expression = ((call.get("module") or {}).get("outputs") or {}).get(attribute, {}).get("expression")
            call_address = f"{prefix}module.{name}"
            children = [
                c
                for c in self.module_instances.get(strip_keys(call_address), [])
                if (c == call_address + key if key else c == call_address or c.startswith(call_address + "["))
            ]
            refs: list[tuple[str, str]] = []
            _expression_references(expression or {}, "", refs)
            found = [t for child in children for _, ref in refs for t in self._targets(ref, child, "", depth + 1)]
            return list(dict.fromkeys(found))
        match = _REFERENCE.match(reference)
        if match is None or reference.split(".", 1)[0] in _NOT_RESOURCES:
            return []  # variables, locals, each/count...: not a resource
        base, explicit = match.group(1), match.group(2) or ""
        candidates = self.instances.get(f"{prefix}{base}", [])
        for key in (explicit, own_key):
            if key and f"{prefix}{base}{key}" in candidates:
                return [f"{prefix}{base}{key}"]
        return list(candidates)


def _actions(change: dict[str, Any]) -> list[str]:
    actions = (change.get("change") or {}).get("actions")
    return [a for a in actions if isinstance(a, str)] if isinstance(actions, list) else []


def _expression_references(node: Any, path: str, out: list[tuple[str, str]]) -> None:
    """(attribute path, reference) for every expression under a block's `expressions`."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _expression_references(item, f"{path}.{index}" if path else str(index), out)
    elif isinstance(node, dict):
        if isinstance(node.get("references"), list):
            out.extend((path, r) for r in node["references"] if isinstance(r, str))
            return
        if "constant_value" in node:
            return
        for name, item in node.items():
            _expression_references(item, f"{path}.{name}" if path else name, out)
