"""`iacgate-pre-commit`: the pre-commit hook's entry point.

pre-commit passes the changed files; scanning them alone would leave variables, locals and
module wiring unresolved (a `.tf` file's values usually live in its siblings). So a Terraform
file stands for its whole directory (the module), while a Kubernetes manifest or Dockerfile
stands for itself. Paths are reported relative to the repository root (the hook's working
directory), where the configuration file is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from scanner import cli
from scanner.discover import classify_name

MODULE_KINDS = ("terraform", "tfvars")


def targets(files: Iterable[Path]) -> list[Path]:
    """What to scan for these changed files: Terraform module directories and the other IaC files."""
    chosen: set[Path] = set()
    for path in files:
        kind = classify_name(path.name)
        if kind is None or not path.exists():
            continue  # not IaC, or deleted in this commit
        chosen.add(path.parent if kind in MODULE_KINDS else path)
    directories = {p for p in chosen if p.is_dir()}
    return sorted(p for p in chosen if not any(d in p.parents for d in directories))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--severity-threshold", type=click.Choice(cli.SEVERITIES), default=None)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None)
@click.option("--baseline", type=click.Path(dir_okay=False), default=None)
@click.option("--framework", default=None)
@click.option("--check", "only", default=None)
@click.option("--skip-check", "skip", default=None)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def main(
    severity_threshold: str | None,
    config_file: str | None,
    baseline: str | None,
    framework: str | None,
    only: str | None,
    skip: str | None,
    files: tuple[Path, ...],
) -> None:
    """Scan the modules and manifests of FILES (as passed by pre-commit)."""
    chosen = targets(files)
    if not chosen:
        return
    forwarded = {
        "--severity-threshold": severity_threshold,
        "--config": config_file,
        "--baseline": baseline,
        "--framework": framework,
        "--check": only,
        "--skip-check": skip,
    }
    args = ["scan", "--root", "."]
    for flag, value in forwarded.items():
        if value is not None:
            args += [flag, value]
    cli.main.main(args=[*args, *(str(p.resolve()) for p in chosen)], prog_name="iacgate", standalone_mode=True)
