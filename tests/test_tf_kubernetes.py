"""Terraform `kubernetes_*` resources are judged as the Kubernetes objects they declare, on their .tf lines."""

from __future__ import annotations

import pytest

from scanner.evaluate.tf_kubernetes import kind_of
from scanner.records import UnknownValue
from tests.conftest import FIXTURES, run_scan

SHAPES = FIXTURES / "terraform-kubernetes"


@pytest.mark.parametrize(
    ("terraform_type", "kind", "api_version"),
    [
        ("kubernetes_deployment", "Deployment", "apps/v1"),
        ("kubernetes_deployment_v1", "Deployment", "apps/v1"),
        ("kubernetes_pod", "Pod", "v1"),
        ("kubernetes_pod_v1", "Pod", "v1"),
        ("kubernetes_daemonset", "DaemonSet", "apps/v1"),
        ("kubernetes_daemon_set_v1", "DaemonSet", "apps/v1"),
        ("kubernetes_stateful_set", "StatefulSet", "apps/v1"),
        ("kubernetes_stateful_set_v1", "StatefulSet", "apps/v1"),
        ("kubernetes_job", "Job", "batch/v1"),
        ("kubernetes_job_v1", "Job", "batch/v1"),
        ("kubernetes_cron_job", "CronJob", "batch/v1beta1"),
        ("kubernetes_cron_job_v1", "CronJob", "batch/v1"),
        ("kubernetes_service", "Service", "v1"),
        ("kubernetes_service_v1", "Service", "v1"),
        ("kubernetes_role", "Role", "rbac.authorization.k8s.io/v1"),
        ("kubernetes_cluster_role_v1", "ClusterRole", "rbac.authorization.k8s.io/v1"),
        ("kubernetes_role_binding_v1", "RoleBinding", "rbac.authorization.k8s.io/v1"),
        ("kubernetes_cluster_role_binding", "ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
        ("kubernetes_network_policy", "NetworkPolicy", "networking.k8s.io/v1"),
        ("kubernetes_network_policy_v1", "NetworkPolicy", "networking.k8s.io/v1"),
        ("kubernetes_ingress", "Ingress", "networking.k8s.io/v1beta1"),
        ("kubernetes_ingress_v1", "Ingress", "networking.k8s.io/v1"),
    ],
)
def test_each_provider_resource_type_maps_to_its_kind_and_api_version(
    terraform_type: str, kind: str, api_version: str
) -> None:
    assert kind_of(terraform_type) == (kind, api_version)


def test_other_terraform_types_have_no_kubernetes_twin() -> None:
    assert kind_of("kubernetes_config_map_v1_data") is None
    assert kind_of("helm_release") is None


@pytest.fixture(scope="module")
def twins():
    result = run_scan(SHAPES, checks={"IG-K8S-004"})
    return {r.address: r for r in result.resources if r.framework == "kubernetes"}, result


def test_every_shape_gets_a_kubernetes_twin_and_the_terraform_resource_stays(twins) -> None:
    found, result = twins
    assert {address: r.type for address, r in found.items()} == {
        "kubernetes_namespace_v1.shop": "Namespace",
        "kubernetes_deployment_v1.web": "Deployment",
        "kubernetes_pod.debug": "Pod",
        "kubernetes_daemonset.agent": "DaemonSet",
        "kubernetes_stateful_set_v1.db": "StatefulSet",
        "kubernetes_job_v1.migrate": "Job",
        "kubernetes_cron_job.report": "CronJob",
        "kubernetes_service_v1.web": "Service",
        "kubernetes_cluster_role_v1.reader": "ClusterRole",
        "kubernetes_role_binding.web": "RoleBinding",
        "kubernetes_network_policy_v1.web": "NetworkPolicy",
        "kubernetes_ingress_v1.web": "Ingress",
        "kubernetes_manifest.node_debugger": "DaemonSet",
    }
    terraform = {r.address for r in result.resources if r.framework == "terraform"}
    assert set(found) <= terraform


def test_blocks_become_the_kubernetes_object_with_camel_case_keys_lists_and_typed_scalars(twins) -> None:
    web = twins[0]["kubernetes_deployment_v1.web"]
    spec = web.get("spec.template.spec")
    assert spec["hostIPC"] is True and spec["serviceAccountName"] == "web"
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    container = spec["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["env"][0]["valueFrom"] == {"secretKeyRef": {"name": "db", "key": "password"}}
    assert container["ports"] == [{"containerPort": 8080}]
    assert [v["name"] for v in spec["volumes"]] == ["cache", "logs"]
    assert spec["volumes"][1]["hostPath"] == {"path": "/var/log"}
    assert web.get("spec.template.metadata.labels") == {"app": "web"}  # map keys are kept as written


def test_a_kubernetes_manifest_is_taken_as_written(twins) -> None:
    debugger = twins[0]["kubernetes_manifest.node_debugger"]
    assert debugger.kubernetes.namespace == "ops" and debugger.kubernetes.api_version == "apps/v1"
    assert debugger.get("spec.template.spec.containers.0.name") == "debugger"


def test_namespace_metadata_follows_references_and_defaults(twins) -> None:
    found = twins[0]
    assert found["kubernetes_deployment_v1.web"].kubernetes.namespace == "shop"
    assert found["kubernetes_cluster_role_v1.reader"].kubernetes.namespace is None
    assert found["kubernetes_cron_job.report"].kubernetes.api_version == "batch/v1beta1"


def test_rbac_network_policy_and_ingress_shapes(twins) -> None:
    found = twins[0]
    assert found["kubernetes_cluster_role_v1.reader"].get("rules") == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}
    ]
    binding = found["kubernetes_role_binding.web"]
    assert binding.get("roleRef.name") == "secret-reader"
    assert binding.get("subjects") == [{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}]
    policy = found["kubernetes_network_policy_v1.web"].get("spec")
    assert policy["podSelector"] == {"matchLabels": {"app": "web"}}
    assert policy["ingress"][0]["from"][0]["ipBlock"] == {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}
    assert policy["ingress"][0]["ports"] == [{"port": "8080", "protocol": "TCP"}]
    ingress = found["kubernetes_ingress_v1.web"].get("spec")
    assert ingress["tls"] == [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]
    backend = ingress["rules"][0]["http"]["paths"][0]["backend"]
    assert backend == {"service": {"name": "web", "port": {"number": 80}}}


def test_findings_land_on_the_terraform_attribute_line(twins) -> None:
    _, result = twins
    lines = {(f.resource.address, f.location.file, f.location.start_line) for f in result.findings}
    assert ("kubernetes_deployment_v1.web", "main.tf", 28) in lines  # host_ipc = true
    assert ("kubernetes_daemonset.agent", "main.tf", 109) in lines  # host_pid = true
    assert ("kubernetes_manifest.node_debugger", "main.tf", 313) in lines  # hostNetwork = true in `manifest`


def test_graph_links_terraform_declared_objects(twins) -> None:
    _, result = twins
    graph = result.graph
    service = next(r for r in graph.resources("kubernetes", "Service"))
    assert [w.address for w in graph.successors(service, "selects")] == ["kubernetes_deployment_v1.web"]
    policy = next(r for r in graph.resources("kubernetes", "NetworkPolicy"))
    assert [w.address for w in graph.successors(policy, "isolates")] == ["kubernetes_deployment_v1.web"]
    ingress = next(r for r in graph.resources("kubernetes", "Ingress"))
    assert [s.address for s in graph.successors(ingress, "routes")] == ["kubernetes_service_v1.web"]


def test_a_dynamic_container_block_with_unknown_for_each_is_an_unknown_containers_list(tmp_path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "sidecars" {\n  type = list(string)\n}\n\n'
        'resource "kubernetes_pod_v1" "app" {\n  metadata {\n    name = "app"\n  }\n  spec {\n'
        '    dynamic "container" {\n      for_each = var.sidecars\n      content {\n'
        '        name  = container.value\n        image = "registry.example.com/${container.value}:1.0.0"\n'
        "      }\n    }\n  }\n}\n",
        encoding="utf-8",
    )
    twin = next(r for r in run_scan(tmp_path).resources if r.framework == "kubernetes")
    with pytest.raises(UnknownValue):
        twin.get("spec.containers")
    assert "container" not in twin.attributes["spec"]
