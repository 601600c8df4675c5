"""Stage 3: turn parsed files into evaluated Resource records (Terraform needs real evaluation)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from scanner.evaluate.kustomize import listed_resource_files
from scanner.parsers import ParsedFile
from scanner.records import Resource, ScanError


def evaluate_parsed(
    parsed: list[ParsedFile],
    root: Path,
    var_files: Sequence[Path] = (),
    variables: Mapping[str, str] | None = None,
) -> tuple[list[Resource], list[ScanError]]:
    """Every Resource of the parsed files: Kubernetes objects and Dockerfile stages as parsed,
    Terraform modules evaluated together (with `--var-file` / `--var` values for every root)."""
    resources: list[Resource] = []
    errors: list[ScanError] = []
    tf_files, tfvars, kustomizations = [], [], []
    for item in parsed:
        errors.extend(item.errors)
        resources.extend(item.resources)
        if item.kind == "terraform" and item.payload is not None:
            tf_files.append(item.payload)
        elif item.kind == "tfvars" and item.payload is not None:
            tfvars.append(item.payload)
        elif item.kind == "kubernetes" and item.payload is not None:
            kustomizations.append((item.rel, item.payload))
    if kustomizations:
        listed = listed_resource_files(kustomizations)
        resources = [_as_kustomize_resource(r) if r.location.file in listed else r for r in resources]
    if tf_files:
        from scanner.evaluate import terraform  # with lark and hcl2: 60 ms not spent on other repos

        evaluation = terraform.evaluate(
            tf_files, tfvars, root=root, var_files=list(var_files), variables=variables or {}
        )
        resources.extend(evaluation.resources)
        errors.extend(evaluation.errors)
    return resources, errors


def _as_kustomize_resource(resource: Resource) -> Resource:
    """A Kubernetes object a kustomization lists under `resources:`: a whole object, never a patch."""
    if resource.framework != "kubernetes":
        return resource
    return dataclasses.replace(resource, meta=dataclasses.replace(resource.kubernetes, kustomize_resource=True))
