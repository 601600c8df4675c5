"""Stage 5: run the selected checks over the graph's resources; produce findings and unknowns."""

from __future__ import annotations

from collections import defaultdict

from scanner.graph import ResourceGraph
from scanner.records import (
    Evaluated,
    Finding,
    Location,
    Resource,
    ScanError,
    Severity,
    TerraformMeta,
    UnknownResult,
    UnknownValue,
)
from scanner.registry import Check, Fail


def _related(resource: Resource) -> Location:
    loc = resource.location
    return Location(loc.file, loc.start_line, loc.end_line, note=f"{resource.address}")


def _trace(resource: Resource, path: str | None) -> list[Location]:
    """Provenance of the failing attribute, or of its closest parent (a map key inside `tags`)."""
    parts = path.split(".") if path else []
    while parts:
        found = resource.provenance.get(".".join(parts))
        if found:
            return list(found)
        parts.pop()
    return []


def _called_by(resource: Resource) -> tuple[Location, ...]:
    """The module blocks that instantiated a Terraform resource: where a person changes its inputs."""
    return resource.meta.called_by if isinstance(resource.meta, TerraformMeta) else ()


def run_checks(graph: ResourceGraph, checks: list[Check]) -> Evaluated:
    out = Evaluated()
    by_type: dict[tuple[str, str], list[Check]] = defaultdict(list)
    for chk in checks:
        for rtype in chk.resource_types:
            by_type[(chk.framework, rtype)].append(chk)
    for resource in graph.resources():
        meta = resource.meta
        if isinstance(meta, TerraformMeta) and not meta.gated:
            continue  # plan resources that are not created or updated are context only
        candidates = by_type.get((resource.framework, resource.type), []) + by_type.get((resource.framework, "*"), [])
        for chk in sorted(candidates, key=lambda c: c.id):
            try:
                verdict = chk.fn(resource, graph) if chk.graph else chk.fn(resource)
            except UnknownValue as unknown:
                out.unknowns.append(UnknownResult(chk.id, resource, unknown.path, unknown.reason))
                continue
            except Exception as exc:  # a check bug must not stop the scan
                out.errors.append(
                    ScanError(
                        resource.location.file,
                        resource.location.start_line,
                        f"check {chk.id} failed on {resource.address}: {exc!r}",
                    )
                )
                continue
            fails = [verdict] if isinstance(verdict, Fail) else list(verdict or [])
            if not fails:
                out.passed += 1
                out.passed_by_check[chk.id] = out.passed_by_check.get(chk.id, 0) + 1
            for fail in fails:
                out.findings.append(
                    Finding(
                        check_id=chk.id,
                        severity=Severity(fail.severity) if fail.severity else chk.severity,
                        title=chk.title,
                        message=fail.message or chk.title,
                        resource=resource,
                        location=resource.location_of(fail.attribute),
                        attribute=fail.attribute,
                        related=[*(_related(r) for r in fail.related), *_called_by(resource)],
                        trace=_trace(resource, fail.attribute),
                    )
                )
    out.findings.sort(key=lambda f: f.sort_key)
    return out
