"""Google Kubernetes Engine checks: control plane access, cluster features and node hardening.

Node settings live in three places: the cluster's own node_config (the default pool, which exists unless
remove_default_node_pool is true), the cluster's inline node_pool blocks, and separate
google_container_node_pool resources. `_node_pools` lists them all so each node check judges every pool
once; Autopilot clusters have no user-managed pools and are not judged on node settings.
"""

from __future__ import annotations

from typing import NamedTuple

from checks._helpers import (
    Verdict,
    block_paths,
    configured,
    dynamic_blocks,
    first_block,
    is_false,
    is_true,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

CLUSTER = ["google_container_cluster"]
POOLS = ["google_container_cluster", "google_container_node_pool"]


class NodePool(NamedTuple):
    """One node pool a resource defines: where to report when a setting is missing, its node_config
    path (None when the block is absent, so every node setting has its default), and a label."""

    anchor: str | None
    config: str | None
    label: str


def _autopilot(resource: Resource) -> bool:
    return resource.type == "google_container_cluster" and is_true(resource.get("enable_autopilot"))


def _node_pools(resource: Resource, verdict: Verdict) -> list[NodePool]:
    if resource.type == "google_container_node_pool":
        return [NodePool(None, first_block(resource, "node_config"), "node pool")]
    if _autopilot(resource):
        return []
    removed = is_true(resource.get("remove_default_node_pool"))
    inline = block_paths(resource, "node_pool", verdict)
    pools = []
    if not inline and not removed and "node_pool" not in dynamic_blocks(resource):
        pools.append(NodePool(None, first_block(resource, "node_config"), "default node pool"))
    for pool in inline:
        with verdict.item():
            name = resource.get(f"{pool}.name", "default-pool")
            if removed and name == "default-pool":
                continue
            pools.append(NodePool(pool, first_block(resource, f"{pool}.node_config"), f"node pool {name}"))
    return pools


def _management(resource: Resource, pool: NodePool) -> str | None:
    """The management block of a node pool resource or an inline node_pool block."""
    if resource.type == "google_container_node_pool":
        return first_block(resource, "management")
    return first_block(resource, f"{pool.anchor}.management") if pool.anchor else None


# low: the authorized networks (IG-GCP-009) limit who reaches a public endpoint; a private one removes it.
@check(
    id="IG-GCP-027",
    title="GKE control plane has a public endpoint",
    severity="low",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-284",
    description="Unless enable_private_endpoint is true (or the IP endpoints are disabled in favour of the DNS "
    "endpoint), the Kubernetes API server has a public IP address, so its protection rests on the authorized "
    "networks list and on authentication alone.",
    remediation="Set private_cluster_config { enable_private_endpoint = true } and reach the API through a "
    "bastion, VPN or the DNS-based endpoint.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    "  private_cluster_config {\n    enable_private_nodes    = true\n    enable_private_endpoint = true\n"
    '    master_ipv4_cidr_block  = "172.16.0.0/28"\n  }\n}',
    tags=("kubernetes", "network"),
)
def gke_public_endpoint(resource):
    endpoints = first_block(resource, "control_plane_endpoints_config")
    ip_endpoints = first_block(resource, f"{endpoints}.ip_endpoints_config") if endpoints else None
    if ip_endpoints and is_false(resource.get(f"{ip_endpoints}.enabled")):
        return None
    block = first_block(resource, "private_cluster_config")
    if block is None:
        return Fail(None, "no private_cluster_config: the API server has a public endpoint")
    if not is_true(resource.get(f"{block}.enable_private_endpoint")):
        at = written(resource, f"{block}.enable_private_endpoint", block)
        return Fail(at, "enable_private_endpoint is not true: the API server has a public endpoint")
    return None


# medium: without network policy enforcement any compromised pod can reach every other pod.
@check(
    id="IG-GCP-028",
    title="GKE cluster does not enforce Kubernetes network policies",
    severity="medium",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-923",
    description="Without network policy enforcement (network_policy.enabled with Calico, or Dataplane V2), "
    "NetworkPolicy objects are silently ignored and every pod can connect to every other pod, so one compromised "
    "workload reaches databases and internal APIs across namespaces.",
    remediation='Set datapath_provider = "ADVANCED_DATAPATH" (Dataplane V2), or network_policy { enabled = true } '
    "with addons_config { network_policy_config { disabled = false } }.",
    example='resource "google_container_cluster" "main" {\n  name              = "prod"\n'
    '  location          = "europe-west1"\n  datapath_provider = "ADVANCED_DATAPATH"\n}',
    tags=("kubernetes", "network"),
)
def gke_network_policy(resource):
    if _autopilot(resource) or str(resource.get("datapath_provider", "")).upper() == "ADVANCED_DATAPATH":
        return None
    block = first_block(resource, "network_policy")
    if block is None:
        return Fail(None, "no network_policy and no Dataplane V2: NetworkPolicy objects are not enforced")
    if not is_true(resource.get(f"{block}.enabled")):
        return Fail(written(resource, f"{block}.enabled", block), "network_policy.enabled is not true")
    return None


# high: a client certificate is a non-revocable credential with the rights of the cluster's admin user.
@check(
    id="IG-GCP-029",
    title="GKE cluster issues a client certificate",
    severity="high",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-287",
    description="issue_client_certificate = true makes GKE issue a long-lived client certificate for the API server. "
    "It cannot be revoked short of rotating the cluster CA, and anyone who reads it from the Terraform state or "
    "the cluster resource authenticates to the API.",
    remediation="Remove client_certificate_config (issue_client_certificate defaults to false) and authenticate "
    "with IAM through gcloud or the GKE auth plugin.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    "  master_auth {\n    client_certificate_config {\n      issue_client_certificate = false\n    }\n  }\n}",
    tags=("kubernetes", "iam"),
    fix=SetValue(
        "master_auth.0.client_certificate_config.0.issue_client_certificate",
        False,
        unsafe="issue_client_certificate forces a new cluster: Terraform replaces the cluster and its workloads",
    ),
)
def gke_client_certificate(resource):
    verdict = Verdict()
    for auth in block_paths(resource, "master_auth", verdict):
        for config in block_paths(resource, f"{auth}.client_certificate_config", verdict):
            with verdict.item():
                if is_true(resource.get(f"{config}.issue_client_certificate")):
                    verdict.fail(f"{config}.issue_client_certificate", "the cluster issues a client certificate")
    return verdict.result()


# high: a static password for the API server, stored in state and not protected by IAM or MFA.
@check(
    id="IG-GCP-030",
    title="GKE cluster enables basic authentication",
    severity="high",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-287",
    description="A master_auth username and password turn on HTTP basic authentication to the Kubernetes API with a "
    "static password that is stored in the Terraform state and bypasses IAM, MFA and audit of the caller's "
    "identity.",
    remediation="Remove username and password from master_auth (basic authentication is removed from current GKE "
    "versions) and authenticate with IAM.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    "  master_auth {\n    client_certificate_config {\n      issue_client_certificate = false\n    }\n  }\n}",
    tags=("kubernetes", "iam"),
)
def gke_basic_auth(resource):
    verdict = Verdict()
    for auth in block_paths(resource, "master_auth", verdict):
        for name in ("username", "password"):
            with verdict.item():
                if configured(resource, f"{auth}.{name}"):
                    verdict.fail(f"{auth}.{name}", f"master_auth.{name} is set: basic authentication is on")
                    break
    return verdict.result()


# medium: without Workload Identity, pods use the node's service account and can read its metadata.
@check(
    id="IG-GCP-031",
    title="GKE cluster does not enable Workload Identity",
    severity="medium",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-250",
    description="Without a workload_identity_config, every pod that calls Google APIs uses the node's service "
    "account and can read the node's metadata (including kube-env bootstrap credentials), so one compromised pod "
    "has the permissions of all workloads on the node.",
    remediation='Add workload_identity_config { workload_pool = "${var.project_id}.svc.id.goog" } and bind each '
    "Kubernetes service account to its own Google service account.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    '  workload_identity_config {\n    workload_pool = "acme-prod.svc.id.goog"\n  }\n}',
    tags=("kubernetes", "iam"),
)
def gke_workload_identity(resource):
    if _autopilot(resource):
        return None
    block = first_block(resource, "workload_identity_config")
    if block is None:
        return Fail(None, "no workload_identity_config: pods use the node service account")
    if not configured(resource, f"{block}.workload_pool") and not configured(resource, f"{block}.identity_namespace"):
        return Fail(block, "workload_identity_config sets no workload_pool")
    return None


EXPOSED_METADATA = {"GCE_METADATA", "EXPOSE"}


# medium: pods on such nodes can fetch the node service account's token from the metadata server.
@check(
    id="IG-GCP-032",
    title="GKE node pool exposes the Compute Engine metadata server to pods",
    severity="medium",
    framework="terraform",
    types=POOLS,
    cwe="CWE-522",
    description='workload_metadata_config.mode = "GCE_METADATA" (node_metadata = "EXPOSE" on older providers) lets '
    "every pod on the node query the Compute Engine metadata server directly, obtaining the node service "
    "account's OAuth token and the kubelet bootstrap credentials.",
    remediation='Set workload_metadata_config { mode = "GKE_METADATA" } (with Workload Identity on the cluster).',
    example='resource "google_container_node_pool" "apps" {\n  name    = "apps"\n'
    "  cluster = google_container_cluster.main.id\n\n  node_config {\n"
    '    machine_type = "e2-standard-4"\n\n    workload_metadata_config {\n      mode = "GKE_METADATA"\n    }\n'
    "  }\n}",
    tags=("kubernetes", "iam"),
)
def gke_node_metadata_exposed(resource):
    verdict = Verdict()
    for pool in _node_pools(resource, verdict):
        if pool.config is None:
            continue
        for block in block_paths(resource, f"{pool.config}.workload_metadata_config", verdict):
            for name in ("mode", "node_metadata"):
                with verdict.item():
                    value = resource.get(f"{block}.{name}")
                    if value is not None and str(value).upper() in EXPOSED_METADATA:
                        verdict.fail(f"{block}.{name}", f"{pool.label}: {name} = {value} exposes node metadata")
    return verdict.result()


# medium: without Shielded GKE Nodes, a stolen node bootstrap credential lets an attacker impersonate a node.
@check(
    id="IG-GCP-033",
    title="GKE cluster disables Shielded GKE Nodes",
    severity="medium",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-290",
    description="enable_shielded_nodes = false (it defaults to true) lets a node join the cluster without proving "
    "its identity with a vTPM, so an attacker who extracts the bootstrap credentials from a pod can register a "
    "rogue node and receive secrets scheduled to it.",
    remediation="Remove enable_shielded_nodes = false.",
    example='resource "google_container_cluster" "main" {\n  name                  = "prod"\n'
    '  location              = "europe-west1"\n  enable_shielded_nodes = true\n}',
    tags=("kubernetes",),
    fix=SetValue("enable_shielded_nodes", True, unsafe="GKE recreates the nodes to turn it on, evicting their pods"),
)
def gke_shielded_nodes(resource):
    value = resource.get("enable_shielded_nodes")
    if value is not None and not is_true(value):
        return Fail("enable_shielded_nodes", "Shielded GKE Nodes are disabled")
    return None


# low: Secure Boot blocks boot-level rootkits on nodes; defence in depth.
@check(
    id="IG-GCP-034",
    title="GKE nodes do not use Secure Boot",
    severity="low",
    framework="terraform",
    types=POOLS,
    cwe="CWE-693",
    description="shielded_instance_config.enable_secure_boot defaults to false for GKE nodes, so unsigned boot "
    "components and kernel modules can load, letting malware that reaches a node persist below the OS.",
    remediation="Set node_config { shielded_instance_config { enable_secure_boot = true } } on every node pool.",
    example='resource "google_container_node_pool" "apps" {\n  name    = "apps"\n'
    "  cluster = google_container_cluster.main.id\n\n  node_config {\n"
    '    machine_type = "e2-standard-4"\n\n    shielded_instance_config {\n      enable_secure_boot = true\n'
    "    }\n  }\n}",
    tags=("kubernetes",),
)
def gke_node_secure_boot(resource):
    verdict = Verdict()
    for pool in _node_pools(resource, verdict):
        with verdict.item():
            shielded = first_block(resource, f"{pool.config}.shielded_instance_config") if pool.config else None
            if shielded is None:
                verdict.fail(pool.config or pool.anchor, f"{pool.label}: Secure Boot defaults to off")
            elif not is_true(resource.get(f"{shielded}.enable_secure_boot")):
                at = written(resource, f"{shielded}.enable_secure_boot", shielded)
                verdict.fail(at, f"{pool.label}: enable_secure_boot is not true")
    return verdict.result()


# low: integrity monitoring is on by default; turning it off hides evidence of a tampered node boot.
@check(
    id="IG-GCP-035",
    title="GKE nodes have integrity monitoring turned off",
    severity="low",
    framework="terraform",
    types=POOLS,
    cwe="CWE-693",
    description="Integrity monitoring (on by default) compares each node's measured boot with a known-good "
    "baseline; turning it off removes the signal that a node's boot chain was tampered with.",
    remediation="Remove enable_integrity_monitoring = false from shielded_instance_config.",
    example='resource "google_container_node_pool" "apps" {\n  name    = "apps"\n'
    "  cluster = google_container_cluster.main.id\n\n  node_config {\n    shielded_instance_config {\n"
    "      enable_secure_boot          = true\n      enable_integrity_monitoring = true\n    }\n  }\n}",
    tags=("kubernetes",),
)
def gke_node_integrity_monitoring(resource):
    verdict = Verdict()
    for pool in _node_pools(resource, verdict):
        if pool.config is None:
            continue
        for shielded in block_paths(resource, f"{pool.config}.shielded_instance_config", verdict):
            with verdict.item():
                value = resource.get(f"{shielded}.enable_integrity_monitoring")
                if value is not None and not is_true(value):
                    verdict.fail(f"{shielded}.enable_integrity_monitoring", f"{pool.label}: integrity monitoring off")
    return verdict.result()


def _management_flag(resource: Resource, name: str) -> list[Fail] | None:
    verdict = Verdict()
    for pool in _node_pools(resource, verdict):
        with verdict.item():
            block = _management(resource, pool)
            value = resource.get(f"{block}.{name}") if block else None
            if value is not None and not is_true(value):
                verdict.fail(f"{block}.{name}", f"{pool.label}: {name} = {value}")
    return verdict.result()


# medium: unhealthy nodes stay in service, and repair is also how GKE replaces nodes after some incidents.
@check(
    id="IG-GCP-036",
    title="GKE node pool disables auto-repair",
    severity="medium",
    framework="terraform",
    types=POOLS,
    cwe="CWE-693",
    description="With auto_repair = false (it defaults to true), nodes that fail health checks are neither drained "
    "nor recreated, leaving broken or tampered nodes running workloads until someone notices.",
    remediation="Remove auto_repair = false from the management block (or set it to true).",
    example='resource "google_container_node_pool" "apps" {\n  name    = "apps"\n'
    "  cluster = google_container_cluster.main.id\n\n  management {\n    auto_repair  = true\n"
    "    auto_upgrade = true\n  }\n}",
    tags=("kubernetes",),
    fix=SetValue(
        "auto_repair",
        True,
        unsafe="GKE then drains and recreates nodes it judges unhealthy, evicting their pods and losing node-local "
        "data",
    ),
)
def gke_node_auto_repair(resource):
    return _management_flag(resource, "auto_repair")


# medium: nodes without auto-upgrade miss kernel and kubelet security patches.
@check(
    id="IG-GCP-037",
    title="GKE node pool disables auto-upgrade",
    severity="medium",
    framework="terraform",
    types=POOLS,
    cwe="CWE-1104",
    description="With auto_upgrade = false (it defaults to true), node images and the kubelet are not upgraded, "
    "so nodes keep running kernels and container runtimes with known vulnerabilities.",
    remediation="Remove auto_upgrade = false (or set it to true) and use maintenance windows to control timing.",
    example='resource "google_container_node_pool" "apps" {\n  name    = "apps"\n'
    "  cluster = google_container_cluster.main.id\n\n  management {\n    auto_repair  = true\n"
    "    auto_upgrade = true\n  }\n}",
    tags=("kubernetes",),
    fix=SetValue(
        "auto_upgrade",
        True,
        unsafe="GKE then upgrades nodes on its own schedule, draining and recreating them; workloads tied to a node "
        "version may break",
    ),
)
def gke_node_auto_upgrade(resource):
    return _management_flag(resource, "auto_upgrade")


# medium: without Binary Authorization any image that an attacker can push or name will be run.
@check(
    id="IG-GCP-038",
    title="GKE cluster does not enforce Binary Authorization",
    severity="medium",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-494",
    description="Binary Authorization admits only images that satisfy the project's policy (signed by your build "
    "pipeline, from your registries); without it, anyone who can create a pod can run any image.",
    remediation='Add binary_authorization { evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE" } and maintain a '
    "google_binary_authorization_policy.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    '  binary_authorization {\n    evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE"\n  }\n}',
    tags=("kubernetes", "supply-chain"),
)
def gke_binary_authorization(resource):
    if is_true(resource.get("enable_binary_authorization")):
        return None
    block = first_block(resource, "binary_authorization")
    if block is None:
        return Fail(None, "no binary_authorization block: any image can run")
    mode = resource.get(f"{block}.evaluation_mode")
    if mode is not None and str(mode).upper() != "DISABLED":
        return None
    if mode is None and is_true(resource.get(f"{block}.enabled")):
        return None
    at = written(resource, f"{block}.evaluation_mode", written(resource, f"{block}.enabled", block))
    return Fail(at, "Binary Authorization evaluation is disabled")


# low: Container-Optimized OS has a smaller, read-only, automatically patched base; others are hygiene.
@check(
    id="IG-GCP-039",
    title="GKE nodes do not use Container-Optimized OS",
    severity="low",
    framework="terraform",
    types=POOLS,
    cwe="CWE-1104",
    description="Container-Optimized OS (the default image type) has a read-only root filesystem, a minimal "
    "package set and verified boot; Ubuntu node images carry a larger attack surface that must be hardened "
    "and patched separately. Windows node pools are not judged.",
    remediation='Use image_type = "COS_CONTAINERD" unless a workload needs Ubuntu.',
    example='resource "google_container_node_pool" "apps" {\n  name    = "apps"\n'
    '  cluster = google_container_cluster.main.id\n\n  node_config {\n    image_type = "COS_CONTAINERD"\n  }\n}',
    tags=("kubernetes",),
    fix=SetValue(
        "image_type",
        "COS_CONTAINERD",
        unsafe="changing the image type deletes and recreates every node of the pool, and workloads that need the "
        "previous OS's packages or kernel modules stop working",
    ),
)
def gke_node_image(resource):
    verdict = Verdict()
    for pool in _node_pools(resource, verdict):
        with verdict.item():
            image = str(resource.get(f"{pool.config}.image_type", "COS_CONTAINERD") if pool.config else "COS").upper()
            if not image.startswith(("COS", "WINDOWS")):
                verdict.fail(
                    f"{pool.config}.image_type", f"{pool.label}: image_type {image} is not Container-Optimized OS"
                )
    return verdict.result()


def _custom_account(resource: Resource, path: str) -> bool:
    """A service account other than the Compute Engine default one is set at `path`."""
    if not configured(resource, path):
        return False
    try:
        value = resource.get(path)
    except UnknownValue:
        return True  # computed at apply time from another resource: a google_service_account's email
    return value != "default" and not str(value).endswith("-compute@developer.gserviceaccount.com")


# medium: the Compute Engine default service account has Editor on the project.
@check(
    id="IG-GCP-040",
    title="GKE nodes run as the Compute Engine default service account",
    severity="medium",
    framework="terraform",
    types=POOLS,
    cwe="CWE-250",
    description="Without node_config.service_account, nodes run as the Compute Engine default service account, "
    "which has the project Editor role by default; any pod that reaches the node's credentials can then modify "
    "most of the project.",
    remediation="Create a minimal service account (roles/container.defaultNodeServiceAccount) and set "
    "node_config.service_account (cluster_autoscaling.auto_provisioning_defaults.service_account for Autopilot).",
    example='resource "google_container_node_pool" "apps" {\n  name    = "apps"\n'
    "  cluster = google_container_cluster.main.id\n\n  node_config {\n"
    "    service_account = google_service_account.gke_nodes.email\n"
    '    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]\n  }\n}',
    tags=("kubernetes", "iam"),
)
def gke_node_default_service_account(resource):
    verdict = Verdict()
    if _autopilot(resource):
        scaling = first_block(resource, "cluster_autoscaling")
        defaults = first_block(resource, f"{scaling}.auto_provisioning_defaults") if scaling else None
        if defaults is None or not _custom_account(resource, f"{defaults}.service_account"):
            at = written(resource, f"{defaults}.service_account", defaults) if defaults else None
            verdict.fail(at, "Autopilot nodes run as the Compute Engine default service account")
        return verdict.result()
    for pool in _node_pools(resource, verdict):
        with verdict.item():
            path = f"{pool.config}.service_account" if pool.config else None
            if path and _custom_account(resource, path):
                continue
            at = written(resource, path, pool.config) if path else pool.anchor
            verdict.fail(at, f"{pool.label} runs as the Compute Engine default service account")
    return verdict.result()


# medium: without cluster logs there is no audit trail of API server calls or workload activity.
@check(
    id="IG-GCP-041",
    title="GKE cluster logging is disabled",
    severity="medium",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-778",
    description='logging_service = "none" (or a logging_config with no components) stops sending system and '
    "workload logs to Cloud Logging, leaving no record to investigate a compromised workload or node.",
    remediation='Remove logging_service = "none" (it defaults to logging.googleapis.com/kubernetes) and keep at least '
    "SYSTEM_COMPONENTS and WORKLOADS in logging_config.enable_components.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    '  logging_config {\n    enable_components = ["SYSTEM_COMPONENTS", "WORKLOADS"]\n  }\n}',
    tags=("kubernetes", "logging"),
)
def gke_logging(resource):
    if str(resource.get("logging_service", "")).lower() == "none":
        return Fail("logging_service", 'logging_service = "none": cluster logs are not collected')
    block = first_block(resource, "logging_config")
    if block and resource.get(f"{block}.enable_components") == []:
        return Fail(f"{block}.enable_components", "logging_config enables no log component")
    return None


# low: metrics help detect abuse (crypto-mining, scanning) but are not an audit trail.
@check(
    id="IG-GCP-042",
    title="GKE cluster monitoring is disabled",
    severity="low",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-778",
    description='monitoring_service = "none" stops system metrics, so resource abuse such as crypto-mining or unusual '
    "traffic goes unnoticed. (An empty monitoring_config.enable_components keeps GKE's default components: the "
    "provider treats it as not set.)",
    remediation='Remove monitoring_service = "none" (it defaults to monitoring.googleapis.com/kubernetes).',
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    '  monitoring_config {\n    enable_components = ["SYSTEM_COMPONENTS"]\n  }\n}',
    tags=("kubernetes", "logging"),
)
def gke_monitoring(resource):
    if str(resource.get("monitoring_service", "")).lower() == "none":
        return Fail("monitoring_service", 'monitoring_service = "none": cluster metrics are not collected')
    return None


# low: outside a release channel, control plane and node upgrades depend on manual work.
@check(
    id="IG-GCP-043",
    title="GKE cluster is not enrolled in a release channel",
    severity="low",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-1104",
    description='release_channel { channel = "UNSPECIFIED" } takes the cluster out of release channels, so its '
    "versions are no longer upgraded on a supported cadence and security patches depend on manual upgrades. "
    "(Omitting the block leaves the channel GKE chose, Regular by default, and is not reported.)",
    remediation='Set release_channel { channel = "REGULAR" } (or "STABLE").',
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    '  release_channel {\n    channel = "STABLE"\n  }\n}',
    tags=("kubernetes",),
    fix=SetValue(
        "channel",
        "REGULAR",
        unsafe="enrolling in a release channel turns on automatic control plane and node upgrades",
    ),
)
def gke_release_channel(resource):
    verdict = Verdict()
    for block in block_paths(resource, "release_channel", verdict):
        with verdict.item():
            if str(resource.get(f"{block}.channel", "")).upper() == "UNSPECIFIED":
                verdict.fail(f"{block}.channel", "release channel UNSPECIFIED: the cluster is unenrolled")
    return verdict.result()


# low: pod-to-pod traffic on the same node bypasses VPC flow logs and firewall visibility.
@check(
    id="IG-GCP-044",
    title="GKE cluster does not enable intranode visibility",
    severity="low",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-778",
    description="Without intranode visibility, traffic between pods on the same node never reaches the VPC, so it "
    "is missing from VPC flow logs and invisible to network monitoring.",
    remediation="Set enable_intranode_visibility = true.",
    example='resource "google_container_cluster" "main" {\n  name                        = "prod"\n'
    '  location                    = "europe-west1"\n  enable_intranode_visibility = true\n}',
    tags=("kubernetes", "logging"),
)
def gke_intranode_visibility(resource):
    if _autopilot(resource) or is_true(resource.get("enable_intranode_visibility")):
        return None
    return Fail(written(resource, "enable_intranode_visibility"), "intranode visibility is off")


# medium: the legacy dashboard has a powerful service account and a long history of exposed consoles.
@check(
    id="IG-GCP-045",
    title="GKE cluster enables the Kubernetes Dashboard add-on",
    severity="medium",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-284",
    description="The Kubernetes Dashboard add-on runs a web UI with a highly privileged service account; exposed or "
    "reached through a compromised pod, it gives control over the cluster's workloads and secrets.",
    remediation="Remove addons_config.kubernetes_dashboard (or set disabled = true) and use the Cloud Console.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    "  addons_config {\n    http_load_balancing {\n      disabled = false\n    }\n  }\n}",
    tags=("kubernetes",),
    # safe: removes only the deprecated dashboard add-on; workloads and the API server are untouched
    fix=SetValue("disabled", True),
)
def gke_dashboard(resource):
    verdict = Verdict()
    for addons in block_paths(resource, "addons_config", verdict):
        for dashboard in block_paths(resource, f"{addons}.kubernetes_dashboard", verdict):
            with verdict.item():
                if is_false(resource.get(f"{dashboard}.disabled")):
                    verdict.fail(f"{dashboard}.disabled", "the Kubernetes Dashboard add-on is enabled")
    return verdict.result()


# medium: the legacy metadata endpoints serve node credentials without the Metadata-Flavor header.
@check(
    id="IG-GCP-046",
    title="GKE nodes re-enable the legacy metadata endpoints",
    severity="medium",
    framework="terraform",
    types=POOLS,
    cwe="CWE-522",
    description='disable-legacy-endpoints = "false" in node metadata re-enables the v0.1 and v1beta1 metadata '
    "APIs, which answer without the Metadata-Flavor header, so server-side request forgery in any pod can read "
    "node credentials.",
    remediation='Set metadata disable-legacy-endpoints = "true" (the default since GKE 1.12) or remove the key.',
    example='resource "google_container_node_pool" "apps" {\n  name    = "apps"\n'
    "  cluster = google_container_cluster.main.id\n\n  node_config {\n    metadata = {\n"
    '      disable-legacy-endpoints = "true"\n    }\n  }\n}',
    tags=("kubernetes",),
)
def gke_legacy_endpoints(resource):
    verdict = Verdict()
    for pool in _node_pools(resource, verdict):
        if pool.config is None:
            continue
        with verdict.item():
            path = f"{pool.config}.metadata.disable-legacy-endpoints"
            if is_false(resource.get(path)):
                verdict.fail(path, f"{pool.label}: disable-legacy-endpoints = false")
    return verdict.result()


# low: alpha clusters run unsupported features, cannot be upgraded and expire after 30 days.
@check(
    id="IG-GCP-047",
    title="GKE cluster enables Kubernetes alpha features",
    severity="low",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-1104",
    description="enable_kubernetes_alpha = true turns on alpha APIs that are not production-ready or covered by the "
    "GKE SLA; alpha clusters cannot be upgraded or auto-repaired, so they never receive security patches.",
    remediation="Remove enable_kubernetes_alpha (it defaults to false); use alpha clusters only for short tests.",
    example='resource "google_container_cluster" "main" {\n  name                    = "prod"\n'
    '  location                = "europe-west1"\n  enable_kubernetes_alpha = false\n}',
    tags=("kubernetes",),
    fix=SetValue(
        "enable_kubernetes_alpha",
        False,
        unsafe="enable_kubernetes_alpha forces a new cluster: Terraform replaces the cluster and its workloads",
    ),
)
def gke_alpha(resource):
    if is_true(resource.get("enable_kubernetes_alpha")):
        return Fail("enable_kubernetes_alpha", "Kubernetes alpha features are enabled")
    return None


# low: etcd is encrypted by Google anyway; a customer key adds revocation and separate access control.
@check(
    id="IG-GCP-048",
    title="GKE Secrets are not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-311",
    description="Application-layer secrets encryption (database_encryption with a Cloud KMS key) adds envelope "
    "encryption of Kubernetes Secrets in etcd, so a copy of etcd is useless without access to the key.",
    remediation='Add database_encryption { state = "ENCRYPTED" key_name = google_kms_crypto_key.gke.id } and grant '
    "the GKE service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on the key.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    '  database_encryption {\n    state    = "ENCRYPTED"\n    key_name = google_kms_crypto_key.gke.id\n  }\n}',
    tags=("kubernetes", "encryption"),
)
def gke_secrets_encryption(resource):
    block = first_block(resource, "database_encryption")
    if block is None:
        return Fail(None, "no database_encryption: Secrets are not encrypted with a Cloud KMS key")
    state = resource.get(f"{block}.state")
    if str(state).upper() != "ENCRYPTED":
        return Fail(written(resource, f"{block}.state", block), f"database_encryption state is {state}")
    return None


# low: routes-based clusters cannot use several network features (private clusters, NEGs, some policies).
@check(
    id="IG-GCP-049",
    title="GKE cluster uses routes-based networking",
    severity="low",
    framework="terraform",
    types=CLUSTER,
    cwe="CWE-923",
    description='networking_mode = "ROUTES" gives pods addresses outside the VPC\'s alias ranges, so VPC firewall '
    "rules and flow logs cannot tell pods apart and private clusters and Private Service Connect are not "
    "available.",
    remediation='Use networking_mode = "VPC_NATIVE" (the default for new clusters) with an ip_allocation_policy.',
    example='resource "google_container_cluster" "main" {\n  name            = "prod"\n'
    '  location        = "europe-west1"\n  networking_mode = "VPC_NATIVE"\n\n  ip_allocation_policy {\n'
    '    cluster_secondary_range_name  = "pods"\n    services_secondary_range_name = "services"\n  }\n}',
    tags=("kubernetes", "network"),
)
def gke_routes_networking(resource):
    if str(resource.get("networking_mode", "")).upper() == "ROUTES":
        return Fail("networking_mode", "networking_mode ROUTES: pods are not VPC-native")
    return None
