"""Kustomize layouts: a base manifest is judged as its overlay renders it (a whole object with the
fields kustomize fills in and the patch applied); a patch file is never judged alone."""

from __future__ import annotations

import shutil
from pathlib import Path

from scanner.discover import discover
from scanner.evaluate.kustomize import listed_resource_files
from scanner.parsers.kubernetes import Kustomization
from tests.conftest import FIXTURES, run_scan

LAYOUT = FIXTURES / "kustomize"  # base/ (Deployment without spec.selector, Service) and overlays/production/
# checks that report a setting left out (a fragment leaves it to its base); IG-K8S-010 (no limits) is not
# among them: the production overlay's patch sets the limits
WORKLOAD_CHECKS = {"IG-K8S-002", "IG-K8S-003", "IG-K8S-008", "IG-K8S-009", "IG-K8S-012", "IG-K8S-029"}


def failed_checks(path: Path, file: str) -> set[str]:
    """Checks failing in `file` at low or above (info notes such as an image without digest are left out)."""
    return {f.check_id for f in run_scan(path).findings if f.location.file == file and f.severity.value != "info"}


def test_a_base_deployment_without_selector_is_judged_as_its_overlay_renders_it(tmp_path: Path) -> None:
    assert failed_checks(LAYOUT, "base/deployment.yaml") == WORKLOAD_CHECKS
    # the same manifest with the selector kustomize would add: the same checks fail
    shutil.copytree(LAYOUT, tmp_path / "layout")
    deployment = tmp_path / "layout" / "base" / "deployment.yaml"
    selector = "  selector:\n    matchLabels:\n      app.kubernetes.io/name: orders-api\n"
    deployment.write_text(deployment.read_text().replace("  replicas: 2\n", "  replicas: 2\n" + selector))
    assert failed_checks(tmp_path / "layout", "base/deployment.yaml") == WORKLOAD_CHECKS


def test_a_patch_in_an_overlay_is_not_judged_alone() -> None:
    assert failed_checks(LAYOUT, "overlays/production/resources-patch.yaml") == set()


def test_a_base_alone_is_rendered_with_its_own_kustomization(tmp_path: Path) -> None:
    shutil.copytree(LAYOUT / "base", tmp_path / "base")
    assert failed_checks(tmp_path, "base/deployment.yaml") == WORKLOAD_CHECKS | {"IG-K8S-010"}


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
