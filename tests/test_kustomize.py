"""Kustomize layouts: a base manifest listed under `resources:` is judged as a whole object even
without the fields kustomize fills in, while a patch stays a fragment judged on what it sets."""

from __future__ import annotations

import shutil
from pathlib import Path

from scanner.discover import discover
from scanner.evaluate.kustomize import listed_resource_files
from scanner.parsers.kubernetes import Kustomization
from tests.conftest import FIXTURES, run_scan

LAYOUT = FIXTURES / "kustomize"  # base/ (Deployment without spec.selector, Service) and overlays/production/
WORKLOAD_CHECKS = {"IG-K8S-002", "IG-K8S-003", "IG-K8S-008", "IG-K8S-009", "IG-K8S-010", "IG-K8S-012"}


def failed_checks(path: Path, file: str) -> set[str]:
    return {f.check_id for f in run_scan(path).findings if f.location.file == file}


def test_a_base_deployment_without_selector_is_judged_like_a_whole_object(tmp_path: Path) -> None:
    assert failed_checks(LAYOUT, "base/deployment.yaml") == WORKLOAD_CHECKS
    # the same manifest with the selector kustomize would add: the same checks fail
    shutil.copytree(LAYOUT, tmp_path / "layout")
    deployment = tmp_path / "layout" / "base" / "deployment.yaml"
    selector = "  selector:\n    matchLabels:\n      app.kubernetes.io/name: orders-api\n"
    deployment.write_text(deployment.read_text().replace("  replicas: 2\n", "  replicas: 2\n" + selector))
    assert failed_checks(tmp_path / "layout", "base/deployment.yaml") == WORKLOAD_CHECKS


def test_a_patch_in_an_overlay_stays_a_fragment() -> None:
    assert failed_checks(LAYOUT, "overlays/production/resources-patch.yaml") == set()


def test_the_same_deployment_outside_any_kustomization_is_a_fragment(tmp_path: Path) -> None:
    shutil.copy(LAYOUT / "base" / "deployment.yaml", tmp_path / "deployment.yaml")
    assert failed_checks(tmp_path, "deployment.yaml") == set()


def test_a_kustomization_without_api_version_and_kind_is_read(tmp_path: Path) -> None:
    shutil.copytree(LAYOUT, tmp_path / "layout")
    base = tmp_path / "layout" / "base" / "kustomization.yaml"
    base.write_text("\n".join(line for line in base.read_text().splitlines() if not line.startswith(("api", "kind"))))
    assert "base/kustomization.yaml" in {f.rel for f in discover([tmp_path / "layout"]).files}
    assert failed_checks(tmp_path / "layout", "base/deployment.yaml") == WORKLOAD_CHECKS


def test_listed_entries_resolve_against_the_kustomization_directory() -> None:
    listed = listed_resource_files(
        [
            ("apps/base/kustomization.yaml", Kustomization(("deploy.yaml", "./svc.yaml", "../shared/cm.yaml"))),
            ("apps/prod/kustomization.yaml", Kustomization(("../base", "https://github.com/org/repo//deploy?ref=v1"))),
        ]
    )
    assert listed == {"apps/base/deploy.yaml", "apps/base/svc.yaml", "apps/shared/cm.yaml", "apps/base"}
