"""Smoke test on real public IaC (../shared/corpus): the scan completes without internal errors.

A representative subset keeps the suite fast (Terraform with many resources, a small and a big
Kubernetes repository including CRDs with the `=` tag, Dockerfiles). Set IACGATE_FULL_CORPUS=1 to
run every repository of the corpus (about a minute on two cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.registry import Selection
from scanner.report import ReportContext
from scanner.scan import ScanOptions, ScanResult, scan
from tests.conftest import SHARED

pytestmark = pytest.mark.corpus

CORPUS = SHARED / "corpus"
SUBSET = [
    "bridgecrewio+terragoat",
    "madhuakula+kubernetes-goat",
    "nginxinc+docker-nginx",
    "prometheus-operator+kube-prometheus",
]
INTERNAL_ERRORS = ("internal parser error", "internal error", "failed on ")


def repositories() -> list[str]:
    if not CORPUS.is_dir():
        return SUBSET  # each test skips through the `shared` fixture
    if os.environ.get("IACGATE_FULL_CORPUS"):
        return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    return SUBSET


_RESULTS: dict[str, ScanResult] = {}


def scanned(repo: str) -> ScanResult:
    """One scan per repository, shared by the tests below (all checks, no cache, parallel parse)."""
    if repo not in _RESULTS:
        _RESULTS[repo] = scan(ScanOptions(paths=[CORPUS / repo], selection=Selection(), cache_dir=None))
    return _RESULTS[repo]


@pytest.mark.parametrize("repo", repositories())
def test_corpus_repository_scans_without_internal_errors(shared: Path, repo: str) -> None:
    result = scanned(repo)
    assert result.files, f"{repo}: nothing discovered"
    assert result.resources, f"{repo}: no resources"
    internal = [e for e in result.errors if any(marker in e.message for marker in INTERNAL_ERRORS)]
    assert internal == [], internal


@pytest.mark.parametrize("repo", repositories())
def test_corpus_repository_sarif_passes_the_github_validator(shared: Path, repo: str, tmp_path: Path) -> None:
    sarif = pytest.importorskip("scanner.report.sarif")
    out = tmp_path / "report.sarif"
    out.write_text(sarif.render(scanned(repo), ReportContext()))
    validator = shared / "sarif" / "validate_sarif.py"
    done = subprocess.run(
        [sys.executable, str(validator), "--repo-root", str(CORPUS / repo), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_crd_using_the_yaml_value_tag_is_parsed(shared: Path) -> None:
    """kube-prometheus's AlertmanagerConfig CRD has `- =` enum items, which a plain safe loader rejects."""
    rel = "manifests/setup/0alertmanagerConfigCustomResourceDefinition.yaml"
    result = scanned("prometheus-operator+kube-prometheus")
    assert [e for e in result.errors if e.file == rel and e.level == "error"] == []
    assert any(r.type == "CustomResourceDefinition" and r.location.file == rel for r in result.resources)
