"""Kubernetes checks on real repositories: findings on a hardened stack, detections on a vulnerable one."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_scan

KUBE_PROMETHEUS = "corpus/prometheus-operator+kube-prometheus/manifests"
KUBERNETES_GOAT = "corpus/madhuakula+kubernetes-goat/scenarios"


def _found(shared: Path, folder: str) -> set[tuple[str, str, int]]:
    """Kubernetes findings at low or above (info findings are hygiene notes: digests, probes)."""
    result = run_scan((shared / folder).resolve())  # discover reports absolute paths under a symlinked root
    assert not [e for e in result.errors if e.level == "error"], result.errors
    return {
        (f.check_id, f.location.file, f.location.start_line)
        for f in result.findings
        if "K8S" in f.check_id and f.severity.value != "info"
    }


def test_hardened_kube_prometheus_reports_only_its_node_agent_and_operator_rbac(shared: Path) -> None:
    """Every workload there is non-root, read-only, drops ALL and pins images: nothing else may fire but the
    seccomp profiles two exporters leave out and the operator's own permissions."""
    assert _found(shared, KUBE_PROMETHEUS) == {
        ("IG-K8S-004", "nodeExporter-daemonset.yaml", 100),  # hostNetwork
        ("IG-K8S-004", "nodeExporter-daemonset.yaml", 101),  # hostPID
        ("IG-K8S-006", "nodeExporter-daemonset.yaml", 114),  # /sys
        ("IG-K8S-006", "nodeExporter-daemonset.yaml", 117),  # / (read-only, still the whole node)
        ("IG-K8S-015", "prometheusOperator-clusterRole.yaml", 43),  # * on statefulsets
        ("IG-K8S-015", "prometheusOperator-clusterRole.yaml", 50),  # * on configmaps and secrets
        ("IG-K8S-016", "prometheusOperator-clusterRole.yaml", 47),
        ("IG-K8S-016", "kubeStateMetrics-clusterRole.yaml", 13),
        ("IG-K8S-029", "blackboxExporter-deployment.yaml", 30),  # no seccomp profile (two of three containers)
        ("IG-K8S-029", "blackboxExporter-deployment.yaml", 58),
        ("IG-K8S-029", "nodeExporter-daemonset.yaml", 29),
        ("IG-K8S-032", "nodeExporter-daemonset.yaml", 54),  # SYS_TIME is outside the Baseline set
        ("IG-K8S-035", "prometheusOperator-clusterRole.yaml", 42),  # the operator creates StatefulSets
    }


def test_kubernetes_goat_scenarios_are_detected_where_they_are(shared: Path) -> None:
    found = _found(shared, KUBERNETES_GOAT)
    expected = {
        ("IG-K8S-001", "system-monitor/deployment.yaml", 41),  # privileged
        ("IG-K8S-004", "system-monitor/deployment.yaml", 25),  # hostPID
        ("IG-K8S-006", "system-monitor/deployment.yaml", 31),  # hostPath /
        ("IG-K8S-006", "health-check/deployment.yaml", 32),  # containerd.sock
        ("IG-K8S-006", "docker-bench-security/deployment.yaml", 91),  # docker.sock
        ("IG-K8S-015", "hunger-check/deployment.yaml", 14),  # resources: ["*"]
    }
    assert expected <= found
