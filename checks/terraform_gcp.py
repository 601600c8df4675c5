"""Google Cloud (google provider) checks for Terraform resources."""

from __future__ import annotations

import json

from checks._helpers import (
    ADMIN_PORTS,
    Verdict,
    as_int,
    block_paths,
    covers_port,
    element_paths,
    first_block,
    is_false,
    is_true,
    world_cidrs,
    written,
)
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
GCP_TCP = ("tcp", "6")


def _firewall_exposures(resource: Resource, verdict: Verdict) -> tuple[str, list[tuple[str, set[int] | None]]]:
    """For an ingress firewall open to the world: the CIDR and, per TCP/all allow block, its admin ports
    (None meaning every port). Empty when the rule is disabled, egress or not world-open."""
    if is_true(resource.get("disabled")) or str(resource.get("direction", "INGRESS")).upper() != "INGRESS":
        return "", []
    cidr = world_cidrs(resource, ["source_ranges"], verdict)
    if cidr is None:
        return "", []
    found: list[tuple[str, set[int] | None]] = []
    for path in block_paths(resource, "allow", verdict):
        with verdict.item():
            protocol = str(resource.get(f"{path}.protocol", "")).lower()
            if protocol not in ("all", *GCP_TCP):
                continue
            ports = element_paths(resource, f"{path}.ports")
            if protocol == "all" or not ports:
                found.append((path, None))
                continue
            exposed: set[int] = set()
            every_port = False
            for port_path in ports:
                with verdict.item():
                    low, _, high = str(resource.get(port_path)).partition("-")
                    high = high or low
                    every_port = every_port or (as_int(low) in (0, 1) and as_int(high) == 65535)
                    exposed.update(p for p in ADMIN_PORTS if covers_port(low, high, p))
            if every_port:
                found.append((path, None))
            elif exposed:
                found.append((path, exposed))
    return cidr, found


@check(
    id="IG-GCP-001",
    title="Firewall rule allows SSH or RDP from the whole internet",
    severity="high",
    framework="terraform",
    types=["google_compute_firewall"],
    cwe="CWE-284",
    description="An ingress rule with source_ranges 0.0.0.0/0 (or ::/0) allowing TCP 22 or 3389 exposes remote "
    "administration of every matching VM to brute force and pre-auth exploits. Rules open on every port are "
    "reported by IG-GCP-002 instead.",
    remediation="Restrict source_ranges to known ranges, or allow SSH only from Identity-Aware Proxy "
    "(35.235.240.0/20) and connect with `gcloud compute ssh --tunnel-through-iap`.",
    example='resource "google_compute_firewall" "ssh_from_iap" {\n  name    = "allow-ssh-from-iap"\n'
    '  network = google_compute_network.main.name\n\n  allow {\n    protocol = "tcp"\n    ports    = ["22"]\n'
    '  }\n\n  source_ranges = ["35.235.240.0/20"]\n  target_tags   = ["ssh"]\n}',
    tags=("network",),
)
def gcp_firewall_admin_ports(resource):
    verdict = Verdict()
    cidr, found = _firewall_exposures(resource, verdict)
    ports = sorted({p for _, exposed in found if exposed is not None for p in exposed})
    if ports and all(exposed is not None for _, exposed in found):
        services = " and ".join(f"{ADMIN_PORTS[p]} ({p})" for p in ports)
        verdict.fail("source_ranges", f"ingress from {cidr} allows {services}")
    return verdict.result()


@check(
    id="IG-GCP-002",
    title="Firewall rule allows every port from the whole internet",
    severity="high",
    framework="terraform",
    types=["google_compute_firewall"],
    cwe="CWE-284",
    description='An ingress rule from 0.0.0.0/0 allowing protocol "all", or TCP with no port list, exposes every '
    "listening service of every matching VM, including databases and admin consoles never meant to be public.",
    remediation="List only the ports the service needs in allow.ports and restrict source_ranges for the rest.",
    example='resource "google_compute_firewall" "web" {\n  name    = "allow-https"\n'
    '  network = google_compute_network.main.name\n\n  allow {\n    protocol = "tcp"\n    ports    = ["443"]\n'
    '  }\n\n  source_ranges = ["0.0.0.0/0"]\n  target_tags   = ["web"]\n}',
    tags=("network",),
)
def gcp_firewall_all_ports(resource):
    verdict = Verdict()
    cidr, found = _firewall_exposures(resource, verdict)
    for path, exposed in found:
        if exposed is None:
            verdict.fail("source_ranges", f"ingress from {cidr} allows every port ({path})")
            break
    return verdict.result()


def _public_members(resource: Resource, path: str, verdict: Verdict) -> None:
    for element in element_paths(resource, path):
        with verdict.item():
            member = str(resource.get(element))
            if any(member == m or member.endswith(f":{m}") for m in PUBLIC_MEMBERS):
                verdict.fail(path, f"grants access to {member.split(':')[-1]}")
                return


@check(
    id="IG-GCP-003",
    title="Cloud Storage bucket is readable by allUsers or allAuthenticatedUsers",
    severity="high",
    framework="terraform",
    types=[
        "google_storage_bucket_iam_member",
        "google_storage_bucket_iam_binding",
        "google_storage_bucket_iam_policy",
        "google_storage_bucket_access_control",
        "google_storage_default_object_access_control",
        "google_storage_bucket_acl",
    ],
    cwe="CWE-732",
    description="allUsers is anyone on the internet; allAuthenticatedUsers is anyone with any Google account. "
    "Either one on a bucket's IAM policy or ACL makes its objects public.",
    remediation="Grant roles to specific users, groups or service accounts; serve public content through a load "
    "balancer with Cloud CDN and signed URLs, and enforce the constraints/storage.publicAccessPrevention "
    "organisation policy.",
    example='resource "google_storage_bucket_iam_member" "reader" {\n  bucket = google_storage_bucket.data.name\n'
    '  role   = "roles/storage.objectViewer"\n  member = "serviceAccount:${google_service_account.app.email}"\n}',
    tags=("storage",),
)
def gcp_bucket_public(resource):
    verdict = Verdict()
    if resource.type == "google_storage_bucket_iam_policy":
        data = resource.get("policy_data")
        if isinstance(data, str):
            try:
                policy = json.loads(data)
            except json.JSONDecodeError:
                raise UnknownValue("policy_data", "policy_data is not valid JSON") from None
            for binding in policy.get("bindings", []) if isinstance(policy, dict) else []:
                members = binding.get("members", []) if isinstance(binding, dict) else []
                public = [m for m in members if m in PUBLIC_MEMBERS]
                if public:
                    verdict.fail("policy_data", f"grants {binding.get('role')} to {public[0]}")
                    break
        return verdict.result()
    for path in ("member", "members", "entity", "role_entity"):
        with verdict.item():
            _public_members(resource, path, verdict)
    return verdict.result()


@check(
    id="IG-GCP-004",
    title="Cloud Storage bucket does not enforce uniform bucket-level access",
    severity="medium",
    framework="terraform",
    types=["google_storage_bucket"],
    cwe="CWE-284",
    description="Without uniform bucket-level access, per-object ACLs can grant access that the bucket's IAM "
    "policy does not show, so reviewing IAM is not enough to know who can read the data.",
    remediation='Set uniform_bucket_level_access = true (and public_access_prevention = "enforced").',
    example='resource "google_storage_bucket" "data" {\n  name                        = "acme-data"\n'
    '  location                    = "EU"\n  uniform_bucket_level_access = true\n'
    '  public_access_prevention    = "enforced"\n}',
    tags=("storage",),
)
def gcp_bucket_uniform_access(resource):
    if is_true(resource.get("uniform_bucket_level_access")) or is_true(resource.get("bucket_policy_only")):
        return None
    at = written(resource, "uniform_bucket_level_access")
    return Fail(at, "object ACLs are enabled: uniform bucket-level access is off")


def _sql_public_ip(resource: Resource) -> str | None:
    """Path of ip_configuration when the instance has a public IPv4 address (the default)."""
    settings = first_block(resource, "settings")
    if settings is None:
        return None
    config = first_block(resource, f"{settings}.ip_configuration")
    if config and is_false(resource.get(f"{config}.ipv4_enabled")):
        return None
    return config or settings


@check(
    id="IG-GCP-005",
    title="Cloud SQL instance authorizes the whole internet",
    severity="high",
    framework="terraform",
    types=["google_sql_database_instance"],
    cwe="CWE-284",
    description="An authorized network of 0.0.0.0/0 on a public IP lets any host on the internet reach the "
    "database login, exposing it to password spraying and to any leaked credential.",
    remediation="Remove the 0.0.0.0/0 authorized network; use private IP (ipv4_enabled = false with "
    "private_network) or the Cloud SQL Auth Proxy.",
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n  region           = "europe-west1"\n\n  settings {\n'
    '    tier = "db-custom-2-7680"\n    ip_configuration {\n      ipv4_enabled    = false\n'
    "      private_network = google_compute_network.main.id\n"
    '      ssl_mode        = "ENCRYPTED_ONLY"\n    }\n  }\n}',
    tags=("network", "database"),
)
def gcp_sql_world_authorized(resource):
    config = _sql_public_ip(resource)
    if config is None or not config.endswith("ip_configuration.0"):
        return None
    verdict = Verdict()
    for network in block_paths(resource, f"{config}.authorized_networks", verdict):
        with verdict.item():
            if world_cidrs(resource, [f"{network}.value"], verdict):
                verdict.fail(f"{network}.value", "authorized network 0.0.0.0/0 admits every IPv4 address")
    return verdict.result()


@check(
    id="IG-GCP-006",
    title="Cloud SQL instance with a public IP does not require SSL",
    severity="medium",
    framework="terraform",
    types=["google_sql_database_instance"],
    cwe="CWE-319",
    description="Without require_ssl / an encrypted ssl_mode, clients in the authorized networks may connect to "
    "the public IP in plain text, exposing credentials and query results on the network path. A public IP "
    "with no authorized network is not reported: only the Cloud SQL Auth Proxy and connectors can reach it, "
    "and they always use TLS.",
    remediation='Set ssl_mode = "ENCRYPTED_ONLY" (or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"; require_ssl = true on '
    "older providers) in settings.ip_configuration, or remove the public IP.",
    example='resource "google_sql_database_instance" "main" {\n  name             = "main"\n'
    '  database_version = "POSTGRES_15"\n\n  settings {\n    tier = "db-custom-2-7680"\n'
    '    ip_configuration {\n      ipv4_enabled = true\n      ssl_mode     = "ENCRYPTED_ONLY"\n    }\n  }\n}',
    tags=("encryption", "database"),
)
def gcp_sql_ssl(resource):
    config = _sql_public_ip(resource)
    if config is None or not config.endswith("ip_configuration.0"):
        return None  # no ip_configuration: no authorized network, so only the (always encrypted) connectors
    if is_true(resource.get(f"{config}.require_ssl")):
        return None
    if resource.get(f"{config}.ssl_mode") in ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"):
        return None
    verdict = Verdict()
    if not block_paths(resource, f"{config}.authorized_networks", verdict):
        return verdict.result()  # no direct client can reach the public IP; unknown when the block is dynamic
    at = written(resource, f"{config}.require_ssl", config)
    return Fail(at, "authorized networks reach the public IP, which accepts unencrypted connections")


@check(
    id="IG-GCP-008",
    title="GKE cluster nodes have public IP addresses",
    severity="medium",
    framework="terraform",
    types=["google_container_cluster"],
    cwe="CWE-284",
    description="Without private nodes every node gets an external IP, so node ports, the kubelet and any "
    "hostNetwork workload are one firewall rule away from the internet.",
    remediation="Add private_cluster_config { enable_private_nodes = true } and give nodes egress through Cloud NAT.",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    "  private_cluster_config {\n    enable_private_nodes    = true\n"
    '    enable_private_endpoint = false\n    master_ipv4_cidr_block  = "172.16.0.0/28"\n  }\n}',
    tags=("kubernetes", "network"),
)
def gcp_gke_private_nodes(resource):
    block = first_block(resource, "private_cluster_config")
    if block is None:
        return Fail(None, "no private_cluster_config: nodes get public IP addresses")
    if not is_true(resource.get(f"{block}.enable_private_nodes")):
        at = written(resource, f"{block}.enable_private_nodes", block)
        return Fail(at, "enable_private_nodes is not true: nodes get public IP addresses")
    return None


@check(
    id="IG-GCP-009",
    title="GKE control plane is reachable from any address",
    severity="medium",
    framework="terraform",
    types=["google_container_cluster"],
    cwe="CWE-284",
    description="Without master authorized networks (or with 0.0.0.0/0 among them) the public Kubernetes API "
    "endpoint accepts connections from anywhere; only authentication protects it against leaked credentials "
    "and API server vulnerabilities.",
    remediation="Add master_authorized_networks_config with your CI and office ranges, or make the endpoint "
    "private (private_cluster_config.enable_private_endpoint = true).",
    example='resource "google_container_cluster" "main" {\n  name     = "prod"\n  location = "europe-west1"\n\n'
    '  master_authorized_networks_config {\n    cidr_blocks {\n      cidr_block   = "10.0.0.0/8"\n'
    '      display_name = "internal"\n    }\n  }\n}',
    tags=("kubernetes", "network"),
)
def gcp_gke_master_networks(resource):
    private = first_block(resource, "private_cluster_config")
    if private and is_true(resource.get(f"{private}.enable_private_endpoint")):
        return None
    block = first_block(resource, "master_authorized_networks_config")
    if block is None:
        return Fail(None, "no master_authorized_networks_config: the API endpoint accepts any source address")
    verdict = Verdict()
    for path in block_paths(resource, f"{block}.cidr_blocks", verdict):
        with verdict.item():
            if world_cidrs(resource, [f"{path}.cidr_block"], verdict):
                verdict.fail(f"{path}.cidr_block", "master authorized networks include 0.0.0.0/0")
    return verdict.result()


@check(
    id="IG-GCP-010",
    title="Compute instance enables interactive serial port access",
    severity="medium",
    framework="terraform",
    types=["google_compute_instance", "google_compute_instance_template", "google_compute_project_metadata"],
    cwe="CWE-284",
    description="serial-port-enable opens the interactive serial console, which accepts connections from any IP "
    "address and is not covered by VPC firewall rules; a leaked SSH key or weak local password gives console "
    "access.",
    remediation='Remove the serial-port-enable metadata key (or set it to "false"); use it only temporarily '
    "for debugging.",
    example='resource "google_compute_instance" "app" {\n  name         = "app"\n  machine_type = "e2-small"\n'
    '  zone         = "europe-west1-b"\n\n  metadata = {\n    block-project-ssh-keys = "true"\n  }\n}',
)
def gcp_serial_port(resource):
    value = resource.get("metadata.serial-port-enable")
    if is_true(value) or str(value).strip() == "1":
        return Fail("metadata", "serial-port-enable metadata turns on the interactive serial console")
    return None


def _default_service_account(email) -> bool:
    return email is None or email == "default" or str(email).endswith("-compute@developer.gserviceaccount.com")


@check(
    id="IG-GCP-011",
    title="Compute instance uses the default service account with full cloud-platform scope",
    severity="high",
    framework="terraform",
    types=["google_compute_instance", "google_compute_instance_template"],
    cwe="CWE-250",
    description="The Compute Engine default service account has the project Editor role; with the cloud-platform "
    "scope, any code on the instance (or anyone who reaches its metadata server) can use it to change almost "
    "everything in the project.",
    remediation="Attach a dedicated service account with only the roles the workload needs, and keep the "
    "cloud-platform scope only with such a least-privilege account.",
    example='resource "google_compute_instance" "app" {\n  name         = "app"\n  machine_type = "e2-small"\n'
    '  zone         = "europe-west1-b"\n\n  service_account {\n'
    '    email  = google_service_account.app.email\n    scopes = ["cloud-platform"]\n  }\n}',
    tags=("iam",),
)
def gcp_default_sa_full_scope(resource):
    verdict = Verdict()
    for path in block_paths(resource, "service_account", verdict):
        with verdict.item():
            if not _default_service_account(resource.get(f"{path}.email")):
                continue
            for scope in element_paths(resource, f"{path}.scopes"):
                with verdict.item():
                    if str(resource.get(scope)).rsplit("/", 1)[-1] == "cloud-platform":
                        verdict.fail(f"{path}.scopes", "default compute service account with cloud-platform scope")
                        break
    return verdict.result()
