"""Kubernetes checks whose findings are milder (or worse) than the check's severity in known cases."""

from __future__ import annotations

from tests.conftest import FIXTURES, run_scan

CHECKS = FIXTURES / "checks"


def _severities(check_id: str) -> dict[tuple[str, int], str]:
    result = run_scan(CHECKS / check_id / "fail", checks={check_id})
    return {(f.location.file, f.location.start_line): f.severity.value for f in result.findings}


def test_an_ingress_controllers_own_service_and_an_ingress_backend_node_port_are_info() -> None:
    found = _severities("IG-K8S-014")
    assert sorted(found.values()).count("info") == 2
    assert "low" in found.values()


def test_webhook_update_alone_is_medium_and_create_or_delete_high() -> None:
    assert sorted(_severities("IG-K8S-042").values()) == ["high", "high", "medium"]


def test_system_authenticated_is_medium_and_anonymous_critical() -> None:
    assert sorted(_severities("IG-K8S-046").values()) == ["critical", "critical", "medium"]


def test_git_repo_volumes_are_medium_and_other_volume_types_low() -> None:
    assert sorted(_severities("IG-K8S-031").values()) == ["low", "medium"]


def test_a_namespace_without_a_label_is_info_and_an_explicit_privileged_level_low() -> None:
    assert sorted(_severities("IG-K8S-034").values()) == ["info", "info", "low"]
