"""`iacgate plan PLAN.json`: gate what a Terraform plan will create or change.

The plan's Resources (scanner.parsers.tfplan) go through the same graph, checks and reports as
`iacgate scan`. With `--source DIR` (the Terraform root the plan was made from) each resource
is mapped back to its `.tf` block so findings land on source lines in a pull request:

1. the HCL resource with the same address (an evaluator that expands modules/count/for_each),
2. the same address without instance keys,
3. the module-relative `type.name` in the module's directory, found by following
   `configuration.module_calls[...].source` from DIR,
4. for a resource inside a remote module (registry, git) or a missing directory: the
   `module "name"` block of the nearest local caller.

A resource that cannot be mapped keeps its position in the plan JSON file.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scanner.filter as filtering
from scanner.discover import discover
from scanner.evaluate import evaluate_parsed
from scanner.parsers import ParseCache, ParsedFile, parse_all, parse_bytes
from scanner.parsers.terraform import TerraformFile
from scanner.parsers.tfplan import KIND, PlanInfo, module_names, split_address, strip_keys
from scanner.records import Location, PlanChange, Resource, ScanError, ScanResult, SourceFile
from scanner.registry import Selection
from scanner.scan import judge


class PlanError(Exception):
    """The plan file cannot be gated at all: unreadable, not a plan, unsupported or broken JSON."""


@dataclass
class PlanOptions:
    plan: Path
    source: Path | None = None
    selection: Selection = field(default_factory=Selection)
    all_resources: bool = False  # also gate no-op resources (never data sources or deletions)
    cache_dir: Path | None = None  # parse cache for the --source files; None: no cache
    workers: int | None = None
    filters: filtering.FilterOptions = field(default_factory=filtering.FilterOptions)
    root: Path | None = None  # report paths relative to it (default: see _report_root)


@dataclass
class PlanRun:
    result: ScanResult
    info: PlanInfo


def run_plan(options: PlanOptions) -> PlanRun:
    # as discovery reports them: directories resolved, the plan file's own name kept. Discovery walks
    # the real directory of `source`, so a root left with a symlink in it would match no .tf path.
    plan_path = Path(os.path.abspath(options.plan))
    plan_path = plan_path.parent.resolve() / plan_path.name
    source = options.source.resolve() if options.source else None
    root = options.root.resolve() if options.root else report_root(plan_path, source)
    rel = plan_path.relative_to(root).as_posix() if plan_path.is_relative_to(root) else plan_path.as_posix()
    try:
        data = plan_path.read_bytes()
    except OSError as exc:
        raise PlanError(f"{options.plan}: cannot read: {exc.strerror}") from exc
    if data.startswith(b"PK\x03\x04"):  # `terraform plan -out` writes a zip archive
        raise PlanError(f"{options.plan}: binary plan file; convert it with `terraform show -json {options.plan}`")
    parsed = parse_bytes(data, rel, KIND)
    fatal = [e for e in parsed.errors if e.level == "error"]
    if fatal or not isinstance(parsed.payload, PlanInfo):
        error = fatal[0] if fatal else ScanError(rel, None, "not a Terraform plan")
        raise PlanError(
            f"{options.plan}:{error.line}: {error.message}" if error.line else f"{options.plan}: {error.message}"
        )
    resources = parsed.resources
    if options.all_resources:
        resources = [_gate_no_op(resource) for resource in resources]
    files = [SourceFile(path=plan_path, rel=rel, kind=KIND)]
    errors: list[ScanError] = []
    if source is not None:
        resources, mapped_files, errors = map_to_source(resources, parsed.payload, source, root, options)
        files.extend(mapped_files)
    result = judge(root, files, resources, errors, options.selection)
    findings = [
        finding
        if finding.resource.address in finding.message
        else dataclasses.replace(finding, message=f"{finding.message} ({finding.resource.address})")
        for finding in result.findings  # one .tf block can stand for many instances: name the instance
    ]
    result = dataclasses.replace(result, findings=findings)
    return PlanRun(filtering.apply(result, options.filters), parsed.payload)


def _gate_no_op(resource: Resource) -> Resource:
    """With --all-resources an unchanged managed resource is judged too (never a data source or a deletion)."""
    meta = resource.terraform
    plan = meta.plan
    if plan is None or plan.mode != "managed" or plan.actions != ("no-op",):
        return resource
    gated: PlanChange = dataclasses.replace(plan, gated=True)
    return dataclasses.replace(resource, meta=dataclasses.replace(meta, plan=gated))


def report_root(plan: Path, source: Path | None) -> Path:
    """Directory reported paths are relative to: the plan's and the source's common directory
    (as `iacgate scan PLAN SOURCE` would), or the source itself when the plan lives elsewhere
    (e.g. written to $RUNNER_TEMP), so `.tf` paths never turn into long absolute ones."""
    plan = Path(os.path.abspath(plan))
    source = Path(os.path.abspath(source)) if source else None
    if source is None:
        return plan.parent
    common = Path(os.path.commonpath([str(plan.parent), str(source)]))
    return common if common in (source, source.parent) else source


def map_to_source(
    resources: list[Resource], info: PlanInfo, source: Path, root: Path, options: PlanOptions
) -> tuple[list[Resource], list[SourceFile], list[ScanError]]:
    """Each plan Resource pointed at its `.tf` block (and attribute lines) under `source`, the
    source files read, and the problems with them."""
    found = discover([source], root=root)
    sources = [f for f in found.files if f.kind in ("terraform", "tfvars")]
    parsed = parse_all(sources, ParseCache(options.cache_dir), workers=options.workers)
    hcl, errors = evaluate_parsed(parsed, root)
    index = _SourceIndex([r for r in hcl if r.framework == "terraform"], parsed)
    source_dir = source.relative_to(root).as_posix() if source != root else ""
    source_dir = "" if source_dir == "." else source_dir
    mapped = [_map(resource, info, source_dir, index) for resource in resources]
    warnings = [
        ScanError(e.file, e.line, f"{e.message} (plan findings for this file stay on the plan)", "warning")
        for e in [*found.errors, *errors]
        if e.level == "error"
    ]
    if resources and all(new is old for new, old in zip(mapped, resources, strict=True)):
        where = source_dir or "."
        warnings.append(
            ScanError(
                where,
                None,
                f"--source {where} maps no resource of the plan: findings stay on the plan file "
                "(is it the Terraform root the plan was made from?)",
                "warning",
            )
        )
    return mapped, sources, warnings


class _SourceIndex:
    def __init__(self, hcl: list[Resource], parsed: list[ParsedFile]) -> None:
        self.by_address: dict[str, list[Resource]] = {}
        self.by_scope: dict[tuple[str, str], Resource] = {}
        for resource in hcl:
            self.by_address.setdefault(resource.address, []).append(resource)
            self.by_scope.setdefault((resource.scope, resource.address), resource)
        self.blocks: dict[tuple[str, str], Location] = {}  # (dir, "module.x" | "data.t.n") -> block
        for item in parsed:
            if isinstance(item.payload, TerraformFile):
                self._index_blocks(item.payload)

    def _index_blocks(self, file: TerraformFile) -> None:
        directory = posixpath.dirname(file.rel)
        for block in file.blocks:
            if block.type == "module" and len(block.labels) == 1:
                key = f"module.{block.labels[0]}"
            elif block.type == "data" and len(block.labels) == 2:
                key = f"data.{block.labels[0]}.{block.labels[1]}"
            else:
                continue
            self.blocks.setdefault((directory, key), Location(file.rel, block.line, block.end_line))

    def exact(self, address: str, scopes: set[str]) -> Resource | None:
        candidates = [r for r in self.by_address.get(address, []) if r.scope in scopes]
        return min(candidates, key=lambda r: (r.location.file, r.location.start_line)) if candidates else None


def _map(resource: Resource, info: PlanInfo, source_dir: str, index: _SourceIndex) -> Resource:
    """The resource with the location (and attribute lines) of its source block; itself if none is found."""
    module_address, local = split_address(resource.address)
    names = module_names(module_address)
    directory: str | None = source_dir
    caller: tuple[str, str] | None = None  # deepest `module` block found along the local chain
    for depth, name in enumerate(names, start=1):
        if (directory, f"module.{name}") in index.blocks:
            caller = (directory, name)
        module_source = info.module_sources.get(".".join(names[:depth]), "")
        if not module_source.startswith(("./", "../")):
            directory = None  # registry or git module: its files are not in the source tree
            break
        directory = posixpath.normpath(posixpath.join(directory, module_source))
    scopes = {source_dir} | ({directory} if directory is not None else set())
    match = index.exact(resource.address, scopes) or index.exact(strip_keys(resource.address), scopes)
    if match is None and directory is not None:
        match = index.by_scope.get((directory, strip_keys(local)))
    if match is not None:
        return dataclasses.replace(
            resource,
            location=Location(match.location.file, match.location.start_line, match.location.end_line),
            attribute_lines={
                path: line
                for path, line in match.attribute_lines.items()
                if _same_shape(path, resource.attributes, match.attributes)
            },
        )
    block = index.blocks.get((directory, strip_keys(local))) if directory is not None else None
    if block is not None:  # a data source
        return dataclasses.replace(resource, location=block, attribute_lines={})
    if caller is not None:
        call = index.blocks[(caller[0], f"module.{caller[1]}")]
        note = f"{resource.address} is declared inside module {caller[1]!r}, which is not in the source tree"
        location = Location(call.file, call.start_line, call.end_line, note=note)
        return dataclasses.replace(resource, location=location, attribute_lines={})
    return resource


def _same_shape(path: str, planned: Any, written: Any) -> bool:
    """Keep an HCL line for `path` only where both sides have the same list lengths on the way.

    Nested blocks come as lists; when Terraform expanded or reordered them (dynamic blocks, sets)
    an index in the plan may not be the same block in the file, so those lines are dropped and
    the finding falls back to the closest parent attribute.
    """
    for part in path.split("."):
        if isinstance(planned, list) or isinstance(written, list):
            if not (isinstance(planned, list) and isinstance(written, list)) or len(planned) != len(written):
                return not part.isdigit()
            if not part.isdigit():
                return True
            planned, written = planned[int(part)], written[int(part)]
        elif isinstance(planned, dict) and isinstance(written, dict):
            planned, written = planned.get(part), written.get(part)
        else:
            return True
    return True
