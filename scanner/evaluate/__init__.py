"""Stage 3: turn parsed files into evaluated Resource records (Terraform needs real evaluation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

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
    tf_files, tfvars = [], []
    for item in parsed:
        errors.extend(item.errors)
        resources.extend(item.resources)
        if item.kind == "terraform" and item.payload is not None:
            tf_files.append(item.payload)
        elif item.kind == "tfvars" and item.payload is not None:
            tfvars.append(item.payload)
    if tf_files:
        from scanner.evaluate import terraform  # with lark and hcl2: 60 ms not spent on other repos

        evaluation = terraform.evaluate(
            tf_files, tfvars, root=root, var_files=list(var_files), variables=variables or {}
        )
        resources.extend(evaluation.resources)
        errors.extend(evaluation.errors)
    return resources, errors
