"""Google Cloud Compute Engine and VPC checks: firewall exposure, VM hardening, subnets, TLS at load balancers.

Firewall rules and VMs meet only through the VPC network and the rule's targets (network tags or
service accounts), so the reachability check asks the graph which rules share the VM's network.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from checks._helpers import (
    ADMIN_PORTS,
    Verdict,
    as_int,
    block_paths,
    configured,
    element_paths,
    first_block,
    is_true,
    world_cidrs,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

# Services that should never face the internet directly (beyond SSH/RDP, which IG-GCP-001 covers).
SENSITIVE_TCP = {
    21: "FTP",
    23: "Telnet",
    135: "MSRPC",
    139: "NetBIOS",
    445: "SMB",
    1433: "SQL Server",
    1521: "Oracle",
    2049: "NFS",
    2375: "Docker API",
    2379: "etcd",
    3306: "MySQL",
    5432: "PostgreSQL",
    5601: "Kibana",
    5900: "VNC",
    5984: "CouchDB",
    6379: "Redis",
    9042: "Cassandra",
    9200: "Elasticsearch",
    10250: "kubelet",
    11211: "Memcached",
    27017: "MongoDB",
}
SENSITIVE_UDP = {69: "TFTP", 137: "NetBIOS", 161: "SNMP", 11211: "Memcached"}
TCP = ("tcp", "6")
UDP = ("udp", "17")
# Subnet purposes that carry no VM traffic: flow logs and Private Google Access do not apply.
PROXY_PURPOSES = {
    "PRIVATE_NAT",
    "REGIONAL_MANAGED_PROXY",
    "GLOBAL_MANAGED_PROXY",
    "INTERNAL_HTTPS_LOAD_BALANCER",
    "PRIVATE_SERVICE_CONNECT",
}
VM_TYPES = ["google_compute_instance", "google_compute_instance_template", "google_compute_region_instance_template"]


def _port_ranges(resource: Resource, allow: str, verdict: Verdict) -> list[tuple[int, int]] | None:
    """(low, high) ranges an allow block opens; None when it opens every port of its protocol."""
    ports = element_paths(resource, f"{allow}.ports")
    if not ports:
        return None
    ranges = []
    for port in ports:
        with verdict.item():
            low, _, high = str(resource.get(port)).partition("-")
            low_n, high_n = as_int(low), as_int(high or low)
            if low_n is not None and high_n is not None:
                if low_n <= 1 and high_n >= 65535:
                    return None
                ranges.append((low_n, high_n))
    return ranges


def _world_ingress(resource: Resource, verdict: Verdict) -> str | None:
    """The world-open source range of an enabled ingress rule, None otherwise."""
    if is_true(resource.get("disabled")) or str(resource.get("direction", "INGRESS")).upper() != "INGRESS":
        return None
    return world_cidrs(resource, ["source_ranges"], verdict)


class Exposure(NamedTuple):
    """A service an allow block opens: its port (None for every port) and a label such as "MySQL (TCP/3306)"."""

    allow: str
    port: int | None
    label: str


def _exposed_services(resource: Resource, verdict: Verdict) -> Iterator[Exposure]:
    """The admin and sensitive services (or every port) that the allow blocks of a rule open."""
    for allow in block_paths(resource, "allow", verdict):
        with verdict.item():
            protocol = str(resource.get(f"{allow}.protocol", "")).lower()
            if protocol == "all":
                yield Exposure(allow, None, "every port")
                continue
            table = {**ADMIN_PORTS, **SENSITIVE_TCP} if protocol in TCP else SENSITIVE_UDP if protocol in UDP else {}
            ranges = _port_ranges(resource, allow, verdict)
            if ranges is None and protocol in TCP:
                yield Exposure(allow, None, "every TCP port")
                continue
            name = "TCP" if protocol in TCP else "UDP"
            for port, service in table.items():
                if ranges is None or any(low <= port <= high for low, high in ranges):
                    yield Exposure(allow, port, f"{service} ({name}/{port})")


# high: a database, cache or file-sharing service reachable from the internet is routinely scanned and attacked.
@check(
    id="IG-GCP-012",
    title="Firewall rule exposes a database, cache or file-sharing port to the internet",
    severity="high",
    framework="terraform",
    types=["google_compute_firewall"],
    cwe="CWE-284",
    description="An ingress rule from 0.0.0.0/0 that opens a port such as MySQL 3306, PostgreSQL 5432, Redis 6379, "
    "SMB 445, Telnet 23 or SNMP 161 exposes services that are meant for private networks and are routinely "
    "scanned for weak authentication and known exploits. SSH/RDP (IG-GCP-001) and rules open on every TCP port "
    "(IG-GCP-002) are reported by their own checks.",
    remediation="Restrict source_ranges to the application's own ranges, or reach the service over Private Service "
    "Connect, a VPN or Identity-Aware Proxy TCP forwarding.",
    example='resource "google_compute_firewall" "postgres_from_app" {\n  name    = "allow-postgres-from-app"\n'
    '  network = google_compute_network.main.name\n\n  allow {\n    protocol = "tcp"\n    ports    = ["5432"]\n'
    '  }\n\n  source_ranges = ["10.10.0.0/20"]\n  target_tags   = ["postgres"]\n}',
    tags=("network", "public"),
)
def gcp_firewall_sensitive_ports(resource):
    verdict = Verdict()
    cidr = _world_ingress(resource, verdict)
    if cidr is None:
        return verdict.result()
    by_block: dict[str, list[str]] = {}
    for exposure in _exposed_services(resource, verdict):
        if exposure.port is not None and exposure.port not in ADMIN_PORTS:
            by_block.setdefault(exposure.allow, []).append(exposure.label)
    for allow, services in by_block.items():
        at = written(resource, f"{allow}.ports", allow)
        verdict.fail(at, f"ingress from {cidr} allows {', '.join(services)}")
    return verdict.result()


def _identities(resource: Resource, graph, path: str, type: str) -> set[str]:
    """What the attribute at `path` names, through the graph's links: each linked resource of `type` (by key and
    by its name or account id), and each literal the scan cannot resolve by its last path segment (an email by
    its account id). Unknown when part of the link could be anything."""
    found: set[str] = set()
    link = graph.links(resource, path, type)
    for target in link.targets:
        found.add(target.key)
        name = target.get("account_id" if type == "google_service_account" else "name")
        if isinstance(name, str):
            found.add(f"name:{name}")
    for part in link.unresolved:
        if part.anything:
            raise UnknownValue(part.path, part.reason)
        value = str(part.value).rstrip("/").rsplit("/", 1)[-1]
        found.add(f"name:{value.split('@', 1)[0] if type == 'google_service_account' else value}")
    return found


def _network_names(resource: Resource, graph, path: str) -> set[str]:
    return _identities(resource, graph, path, "google_compute_network")


def _nic_networks(resource: Resource, graph, nic: str) -> set[str]:
    """Networks of one network interface: its `network`, else its subnetwork's network, else `default`."""
    found = _network_names(resource, graph, f"{nic}.network")
    if found:
        return found
    if not configured(resource, f"{nic}.subnetwork"):
        return {"name:default"}
    for subnet in graph.linked_via(resource, f"{nic}.subnetwork", "google_compute_subnetwork"):
        found |= _network_names(subnet, graph, "network")
    if not found:
        raise UnknownValue(f"{nic}.subnetwork", "the subnetwork's network is not in the scanned files")
    return found


def _targets_vm(rule: Resource, vm: Resource, graph) -> bool:
    """The rule applies to the VM: no targets, a shared network tag, or its service account."""
    tags = [str(t) for t in rule.get("target_tags") or []]
    has_accounts = bool(rule.get("target_service_accounts"))
    if not tags and not has_accounts:
        return True
    if tags and set(tags) & {str(t) for t in vm.get("tags") or []}:
        return True
    if has_accounts:
        account = first_block(vm, "service_account")
        if account is None or not configured(vm, f"{account}.email"):
            return False
        targets = _identities(rule, graph, "target_service_accounts", "google_service_account")
        return bool(targets & _identities(vm, graph, f"{account}.email", "google_service_account"))
    return False


# high: an internet-facing VM with a sensitive or every port open is the classic initial-access path.
@check(
    id="IG-GCP-013",
    title="VM with an external IP is reachable from the internet on a sensitive port",
    severity="high",
    framework="terraform",
    types=VM_TYPES,
    cwe="CWE-284",
    description="A firewall rule open to 0.0.0.0/0 matters where it lands: a VM with an external IP on the rule's "
    "network that the rule targets (by network tag, service account, or every VM when the rule has no targets) "
    "accepts connections from anyone on SSH, RDP, database ports or every port. Deny rules of higher priority "
    "are not taken into account.",
    remediation="Remove the external IP (reach the VM through IAP or a load balancer), or narrow the firewall rule's "
    "source_ranges and targets so it does not select this VM.",
    example='resource "google_compute_instance" "app" {\n  name         = "app"\n  machine_type = "e2-small"\n'
    '  zone         = "europe-west1-b"\n  tags         = ["app"]\n\n  boot_disk {\n    initialize_params {\n'
    '      image = "debian-cloud/debian-12"\n    }\n  }\n\n  network_interface {\n'
    "    subnetwork = google_compute_subnetwork.private.id\n  }\n}",
    graph=True,
    tags=("network", "public"),
)
def gcp_vm_reachable_from_internet(resource, graph):
    verdict = Verdict()
    for nic in block_paths(resource, "network_interface", verdict):
        with verdict.item():
            if not block_paths(resource, f"{nic}.access_config", verdict):
                continue
            networks = _nic_networks(resource, graph, nic)
            for rule in graph.resources("terraform", "google_compute_firewall"):
                if rule.scope != resource.scope:
                    continue
                with verdict.item():
                    if not networks & _network_names(rule, graph, "network") or not _targets_vm(rule, resource, graph):
                        continue
                    rule_verdict = Verdict()
                    cidr = _world_ingress(rule, rule_verdict)
                    services = sorted({e.label for e in _exposed_services(rule, rule_verdict)} if cidr else ())
                    if services:
                        verdict.fail(
                            f"{nic}.access_config",
                            f"external IP reachable from {cidr} on {', '.join(services)} through {rule.address}",
                            related=(rule,),
                        )
                    else:
                        rule_verdict.result()
    return verdict.result()


# medium: an external IP puts the VM one firewall rule away from the internet; often needed only for egress.
@check(
    id="IG-GCP-014",
    title="VM has an external IP address",
    severity="medium",
    framework="terraform",
    types=VM_TYPES,
    cwe="CWE-284",
    description="An access_config block gives the network interface an external IPv4 address, so any firewall rule "
    "that allows a source range, now or later, exposes the VM directly to the internet.",
    remediation="Remove access_config; give the VM egress through Cloud NAT and reach it through IAP TCP forwarding "
    "or a load balancer.",
    example='resource "google_compute_instance" "worker" {\n  name         = "worker"\n  machine_type = "e2-small"\n'
    '  zone         = "europe-west1-b"\n\n  boot_disk {\n    initialize_params {\n'
    '      image = "debian-cloud/debian-12"\n    }\n  }\n\n  network_interface {\n'
    "    subnetwork = google_compute_subnetwork.private.id\n  }\n}",
    tags=("network", "public"),
)
def gcp_vm_external_ip(resource):
    verdict = Verdict()
    for nic in block_paths(resource, "network_interface", verdict):
        for config in block_paths(resource, f"{nic}.access_config", verdict):
            verdict.fail(config, "access_config assigns an external IP address")
    return verdict.result()


# medium: IP forwarding lets a compromised VM route or spoof traffic for other addresses.
@check(
    id="IG-GCP-015",
    title="VM can forward IP packets",
    severity="medium",
    framework="terraform",
    types=VM_TYPES,
    cwe="CWE-923",
    description="can_ip_forward = true lets the VM send and receive packets whose addresses are not its own, so a "
    "compromised VM can act as a router, bypass network controls or spoof other hosts. Only NAT, VPN and "
    "appliance VMs need it.",
    remediation="Remove can_ip_forward (it defaults to false) unless the VM is a network appliance.",
    example='resource "google_compute_instance" "app" {\n  name           = "app"\n  machine_type   = "e2-small"\n'
    '  zone           = "europe-west1-b"\n  can_ip_forward = false\n\n  boot_disk {\n    initialize_params {\n'
    '      image = "debian-cloud/debian-12"\n    }\n  }\n\n  network_interface {\n'
    "    subnetwork = google_compute_subnetwork.private.id\n  }\n}",
    tags=("network",),
    fix=SetValue(
        "can_ip_forward",
        False,
        unsafe="NAT, VPN and other appliance VMs stop routing traffic; on instance templates can_ip_forward forces a"
        " new template",
    ),
)
def gcp_vm_ip_forwarding(resource):
    if is_true(resource.get("can_ip_forward")):
        return Fail("can_ip_forward", "can_ip_forward = true: the VM may route and spoof traffic")
    return None


def _metadata_flag(resource: Resource, key: str) -> str | None:
    """A metadata value, normalised to lower case; None when the key is absent."""
    value = resource.get(f"metadata.{key}")
    return None if value is None else str(value).strip().lower()


# medium: without OS Login, SSH access is managed by metadata keys that IAM and audit logs do not govern.
@check(
    id="IG-GCP-016",
    title="OS Login is disabled",
    severity="medium",
    framework="terraform",
    types=[*VM_TYPES, "google_compute_project_metadata", "google_compute_project_metadata_item"],
    cwe="CWE-287",
    description="OS Login ties SSH access to IAM identities (with 2-step verification and audit logs) and removes "
    "it when the identity loses its role. Project metadata without enable-oslogin = TRUE, or a VM that sets it to "
    "FALSE, falls back to SSH keys in metadata, which nobody revokes. Not reported when the configuration "
    "enforces the compute.requireOsLogin organisation policy.",
    remediation='Set enable-oslogin = "TRUE" in project metadata (or enforce constraints/compute.requireOsLogin) '
    "and remove enable-oslogin = FALSE from instance metadata.",
    example='resource "google_compute_project_metadata_item" "oslogin" {\n  key   = "enable-oslogin"\n'
    '  value = "TRUE"\n}',
    graph=True,
    tags=("iam",),
)
def gcp_os_login_disabled(resource, graph):
    if _os_login_enforced(graph, resource):
        return None
    if resource.type == "google_compute_project_metadata_item":
        if str(resource.get("key")) == "enable-oslogin" and not is_true(resource.get("value")):
            return Fail("value", f"enable-oslogin = {resource.get('value')!r} in project metadata")
        return None
    value = _metadata_flag(resource, "enable-oslogin")
    if resource.type == "google_compute_project_metadata":
        if value != "true":
            return Fail(
                written(resource, "metadata.enable-oslogin", "metadata"), "project metadata does not enable OS Login"
            )
        return None
    if value is not None and value != "true":
        return Fail("metadata.enable-oslogin", f"enable-oslogin = {value!r} turns OS Login off for this VM")
    return None


ORG_POLICY_TYPES = (
    "google_project_organization_policy",
    "google_folder_organization_policy",
    "google_organization_policy",
)


def _os_login_enforced(graph, resource: Resource) -> bool:
    """The configuration enforces the compute.requireOsLogin organisation policy (a project, folder or
    organisation policy, legacy or google_org_policy_policy), which overrides instance metadata."""
    policies = [p for t in (*ORG_POLICY_TYPES, "google_org_policy_policy") for p in graph.resources("terraform", t)]
    for policy in policies:
        if policy.scope != resource.scope:
            continue
        if policy.type in ORG_POLICY_TYPES and str(policy.get("constraint", "")).endswith("compute.requireOsLogin"):
            boolean = first_block(policy, "boolean_policy")
            if boolean and is_true(policy.get(f"{boolean}.enforced")):
                return True
        if policy.type == "google_org_policy_policy" and str(policy.get("name", "")).endswith("compute.requireOsLogin"):
            spec = first_block(policy, "spec")
            rules = block_paths(policy, f"{spec}.rules") if spec else []
            if any(is_true(policy.get(f"{rule}.enforce")) for rule in rules):
                return True
    return False


def _project_os_login(graph, resource: Resource) -> bool:
    """Project metadata in the same configuration turns OS Login on (project SSH keys are then ignored)."""
    for item in graph.resources("terraform", "google_compute_project_metadata_item"):
        if item.scope == resource.scope and item.get("key") == "enable-oslogin" and is_true(item.get("value")):
            return True
    return any(
        meta.scope == resource.scope and is_true(meta.get("metadata.enable-oslogin"))
        for meta in graph.resources("terraform", "google_compute_project_metadata")
    )


# medium: one project-wide key (often a departed admin's) opens every VM that accepts project keys.
@check(
    id="IG-GCP-017",
    title="VM accepts project-wide SSH keys",
    severity="medium",
    framework="terraform",
    types=VM_TYPES,
    cwe="CWE-287",
    description="Unless block-project-ssh-keys is TRUE (or OS Login is on), a VM accepts every SSH key in project "
    "metadata, so one leaked or forgotten project key opens every such VM in the project.",
    remediation='Set metadata block-project-ssh-keys = "TRUE" on the VM, or enable OS Login for the project or VM.',
    example='resource "google_compute_instance" "app" {\n  name         = "app"\n  machine_type = "e2-small"\n'
    '  zone         = "europe-west1-b"\n\n  metadata = {\n    block-project-ssh-keys = "TRUE"\n  }\n\n'
    '  boot_disk {\n    initialize_params {\n      image = "debian-cloud/debian-12"\n    }\n  }\n\n'
    "  network_interface {\n    subnetwork = google_compute_subnetwork.private.id\n  }\n}",
    graph=True,
    tags=("iam",),
)
def gcp_vm_project_ssh_keys(resource, graph):
    if (
        _metadata_flag(resource, "block-project-ssh-keys") == "true"
        or _metadata_flag(resource, "enable-oslogin") == "true"
    ):
        return None
    if _os_login_enforced(graph, resource):
        return None
    if _metadata_flag(resource, "enable-oslogin") is None and _project_os_login(graph, resource):
        return None
    at = written(resource, "metadata.block-project-ssh-keys", written(resource, "metadata"))
    return Fail(at, "block-project-ssh-keys is not TRUE and OS Login is off: project-wide SSH keys are accepted")


# low: Secure Boot protects against boot-level rootkits, a defence in depth for already compromised hosts.
@check(
    id="IG-GCP-018",
    title="Shielded VM Secure Boot is off",
    severity="low",
    framework="terraform",
    types=VM_TYPES,
    cwe="CWE-693",
    description="Secure Boot (off by default) refuses to boot unsigned boot loaders and kernel modules, stopping "
    "boot-level malware and rootkits from persisting on the VM.",
    remediation="Add shielded_instance_config { enable_secure_boot = true } with a Shielded VM image.",
    example='resource "google_compute_instance" "app" {\n  name         = "app"\n  machine_type = "e2-small"\n'
    '  zone         = "europe-west1-b"\n\n  shielded_instance_config {\n    enable_secure_boot = true\n  }\n\n'
    '  boot_disk {\n    initialize_params {\n      image = "debian-cloud/debian-12"\n    }\n  }\n\n'
    "  network_interface {\n    subnetwork = google_compute_subnetwork.private.id\n  }\n}",
    fix=SetValue(
        "shielded_instance_config.0.enable_secure_boot",
        True,
        unsafe="the instance must be stopped to change it, and images or kernel modules that are not signed (some "
        "GPU and custom drivers) no longer load; on instance templates it forces a new template",
    ),
)
def gcp_vm_secure_boot(resource):
    block = first_block(resource, "shielded_instance_config")
    if block is None:
        return Fail(None, "no shielded_instance_config: Secure Boot defaults to off")
    if not is_true(resource.get(f"{block}.enable_secure_boot")):
        return Fail(written(resource, f"{block}.enable_secure_boot", block), "enable_secure_boot is not true")
    return None


# low: vTPM and integrity monitoring are on by default; turning them off removes boot-integrity evidence.
@check(
    id="IG-GCP-019",
    title="Shielded VM vTPM or integrity monitoring is turned off",
    severity="low",
    framework="terraform",
    types=VM_TYPES,
    cwe="CWE-693",
    description="The virtual TPM (measured boot) and integrity monitoring are on by default for Shielded VMs; "
    "turning either off removes the evidence that would reveal a tampered boot sequence.",
    remediation="Remove enable_vtpm = false and enable_integrity_monitoring = false (both default to true).",
    example='resource "google_compute_instance" "app" {\n  name         = "app"\n  machine_type = "e2-small"\n'
    '  zone         = "europe-west1-b"\n\n  shielded_instance_config {\n    enable_secure_boot          = true\n'
    "    enable_vtpm                 = true\n    enable_integrity_monitoring = true\n  }\n\n"
    '  boot_disk {\n    initialize_params {\n      image = "debian-cloud/debian-12"\n    }\n  }\n\n'
    "  network_interface {\n    subnetwork = google_compute_subnetwork.private.id\n  }\n}",
)
def gcp_vm_vtpm_integrity(resource):
    verdict = Verdict()
    for block in block_paths(resource, "shielded_instance_config", verdict):
        for name in ("enable_vtpm", "enable_integrity_monitoring"):
            with verdict.item():
                value = resource.get(f"{block}.{name}")
                if value is not None and not is_true(value):
                    verdict.fail(f"{block}.{name}", f"{name} = {value}")
    return verdict.result()


def _disk_key(resource: Resource, block: str) -> bool:
    """A disk (block) encrypted with a customer-managed or customer-supplied key."""
    prefix = f"{block}." if block else ""
    direct = ("kms_key_self_link", "disk_encryption_key_raw", "disk_encryption_key_rsa")
    if any(configured(resource, f"{prefix}{name}") for name in direct):
        return True
    key = first_block(resource, f"{prefix}disk_encryption_key")
    names = ("kms_key_self_link", "kms_key_name", "raw_key", "rsa_encrypted_key")
    return bool(key and any(configured(resource, f"{key}.{name}") for name in names))


# low: disks are always encrypted; a customer key adds control (revocation, separation of duties), not secrecy.
@check(
    id="IG-GCP-020",
    title="Persistent disk is not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=["google_compute_disk", "google_compute_region_disk", *VM_TYPES],
    cwe="CWE-311",
    description="Without a Cloud KMS key (CMEK) or a customer-supplied key (CSEK), disks are encrypted with "
    "Google-managed keys, which the organisation can neither revoke nor audit separately from the disk itself.",
    remediation="Set disk_encryption_key { kms_key_self_link = google_kms_crypto_key.disk.id } on disks (and "
    "boot_disk.kms_key_self_link on instances).",
    example='resource "google_compute_disk" "data" {\n  name = "data"\n  zone = "europe-west1-b"\n  size = 100\n\n'
    "  disk_encryption_key {\n    kms_key_self_link = google_kms_crypto_key.disk.id\n  }\n}",
    tags=("encryption",),
)
def gcp_disk_cmek(resource):
    verdict = Verdict()
    if resource.type in ("google_compute_disk", "google_compute_region_disk"):
        blocks = [""]
    elif resource.type == "google_compute_instance":
        blocks = block_paths(resource, "boot_disk", verdict)
    else:
        blocks = block_paths(resource, "disk", verdict)
    for block in blocks:
        with verdict.item():
            if configured(resource, f"{block}.source"):
                continue  # an existing disk attached by name or id: judged on its own resource
            if not _disk_key(resource, block):
                verdict.fail(block or None, "disk uses Google-managed encryption keys")
    return verdict.result()


def _proxy_subnet(resource: Resource) -> bool:
    return str(resource.get("purpose", "PRIVATE")).upper() in PROXY_PURPOSES or resource.get("role") is not None


# medium: without flow logs there is no record of which hosts a compromised VM talked to.
@check(
    id="IG-GCP-021",
    title="Subnet has VPC flow logs disabled",
    severity="medium",
    framework="terraform",
    types=["google_compute_subnetwork"],
    cwe="CWE-778",
    description="VPC flow logs record the connections of every VM in the subnet; without them, investigating lateral "
    "movement or data exfiltration has no network evidence. Proxy-only and Private Service Connect subnets are "
    "not judged.",
    remediation='Add a log_config block (for example aggregation_interval = "INTERVAL_5_SEC", '
    'flow_sampling = 0.5, metadata = "INCLUDE_ALL_METADATA").',
    example='resource "google_compute_subnetwork" "app" {\n  name          = "app"\n  region        = "europe-west1"\n'
    '  network       = google_compute_network.main.id\n  ip_cidr_range = "10.10.0.0/20"\n\n'
    '  private_ip_google_access = true\n\n  log_config {\n    aggregation_interval = "INTERVAL_5_SEC"\n'
    '    flow_sampling        = 0.5\n    metadata             = "INCLUDE_ALL_METADATA"\n  }\n}',
    tags=("logging", "network"),
    fix=SetValue(
        "log_config.0.aggregation_interval",
        "INTERVAL_5_SEC",
        unsafe="flow logs are billed by volume: at the default 50% sampling a busy subnet produces a lot of them",
    ),
)
def gcp_subnet_flow_logs(resource):
    if _proxy_subnet(resource):
        return None
    if first_block(resource, "log_config") is None and not is_true(resource.get("enable_flow_logs")):
        return Fail(None, "no log_config: VPC flow logs are off")
    return None


# low: without Private Google Access, VMs need external IPs or NAT to reach Google APIs.
@check(
    id="IG-GCP-022",
    title="Subnet does not enable Private Google Access",
    severity="low",
    framework="terraform",
    types=["google_compute_subnetwork"],
    cwe="CWE-284",
    description="Without Private Google Access, VMs without external IPs cannot reach Google APIs (Cloud Storage, "
    "Artifact Registry...), which pushes teams to give VMs external IPs or route API traffic over the internet.",
    remediation="Set private_ip_google_access = true.",
    example='resource "google_compute_subnetwork" "app" {\n  name          = "app"\n  region        = "europe-west1"\n'
    '  network       = google_compute_network.main.id\n  ip_cidr_range = "10.10.0.0/20"\n\n'
    "  private_ip_google_access = true\n}",
    tags=("network",),
    # safe: only lets VMs without external IPs reach Google APIs; it removes no path that works today
    fix=SetValue("private_ip_google_access", True),
)
def gcp_subnet_private_google_access(resource):
    if _proxy_subnet(resource) or is_true(resource.get("private_ip_google_access")):
        return None
    return Fail(written(resource, "private_ip_google_access"), "private_ip_google_access is not true")


# medium: TLS 1.0/1.1 have known weaknesses and let a network attacker downgrade clients.
@check(
    id="IG-GCP-023",
    title="SSL policy allows TLS versions older than 1.2",
    severity="medium",
    framework="terraform",
    types=["google_compute_ssl_policy", "google_compute_region_ssl_policy"],
    cwe="CWE-326",
    description="min_tls_version defaults to TLS_1_0: load balancers using the policy accept TLS 1.0 and 1.1, "
    "deprecated protocols with weak ciphers and downgrade attacks.",
    remediation='Set min_tls_version = "TLS_1_2" with profile "MODERN" or "RESTRICTED".',
    example='resource "google_compute_ssl_policy" "modern" {\n  name            = "modern-tls"\n'
    '  profile         = "MODERN"\n  min_tls_version = "TLS_1_2"\n}',
    tags=("encryption",),
    fix=SetValue(
        "min_tls_version",
        "TLS_1_2",
        unsafe="clients limited to TLS 1.0 or 1.1 can no longer connect to the load balancers that use the policy",
    ),
)
def gcp_ssl_policy_min_tls(resource):
    version = str(resource.get("min_tls_version", "TLS_1_0")).upper()
    if version in ("TLS_1_0", "TLS_1_1"):
        return Fail(written(resource, "min_tls_version"), f"minimum TLS version is {version}")
    return None


WEAK_CIPHER_MARKS = ("3DES", "_CBC_", "_RC4_")


# low: with TLS 1.2 as minimum, the remaining risk is weaker cipher suites offered to old clients.
@check(
    id="IG-GCP-024",
    title="SSL policy allows weak cipher suites",
    severity="low",
    framework="terraform",
    types=["google_compute_ssl_policy", "google_compute_region_ssl_policy"],
    cwe="CWE-327",
    description="The COMPATIBLE profile (the default) and CUSTOM profiles listing CBC or 3DES suites let clients "
    "negotiate cipher suites without forward secrecy or with known padding-oracle weaknesses.",
    remediation='Use profile "MODERN" or "RESTRICTED", or a CUSTOM profile listing only ECDHE suites with AES-GCM '
    "or ChaCha20-Poly1305.",
    example='resource "google_compute_ssl_policy" "modern" {\n  name            = "modern-tls"\n'
    '  profile         = "RESTRICTED"\n  min_tls_version = "TLS_1_2"\n}',
    tags=("encryption",),
)
def gcp_ssl_policy_weak_ciphers(resource):
    profile = str(resource.get("profile", "COMPATIBLE")).upper()
    if profile == "COMPATIBLE":
        return Fail(written(resource, "profile"), "profile COMPATIBLE offers CBC and 3DES cipher suites")
    if profile != "CUSTOM":
        return None
    verdict = Verdict()
    for feature in element_paths(resource, "custom_features"):
        with verdict.item():
            name = str(resource.get(feature))
            if any(mark in name.upper() for mark in WEAK_CIPHER_MARKS):
                verdict.fail("custom_features", f"custom feature {name} is a weak cipher suite")
                break
    return verdict.result()


# low: the Google default SSL policy (COMPATIBLE, TLS 1.0) applies; a policy is defence in depth.
@check(
    id="IG-GCP-025",
    title="HTTPS or SSL proxy load balancer uses the default SSL policy",
    severity="low",
    framework="terraform",
    types=[
        "google_compute_target_https_proxy",
        "google_compute_target_ssl_proxy",
        "google_compute_region_target_https_proxy",
    ],
    cwe="CWE-326",
    description="A target proxy without ssl_policy uses Google's default policy, which accepts TLS 1.0 and the "
    "COMPATIBLE cipher suites.",
    remediation="Attach a google_compute_ssl_policy with min_tls_version TLS_1_2 and a MODERN or RESTRICTED profile.",
    example='resource "google_compute_target_https_proxy" "web" {\n  name             = "web-https"\n'
    "  url_map          = google_compute_url_map.web.id\n"
    "  ssl_certificates = [google_compute_managed_ssl_certificate.web.id]\n"
    "  ssl_policy       = google_compute_ssl_policy.modern.id\n}",
    tags=("encryption",),
)
def gcp_proxy_default_ssl_policy(resource):
    if configured(resource, "ssl_policy"):
        return None
    return Fail(written(resource, "ssl_policy"), "no ssl_policy: Google's default policy accepts TLS 1.0")


URL_MAP_TYPES = ("google_compute_url_map", "google_compute_region_url_map")


def _http_backend(url_map: Resource, verdict: Verdict) -> str | None:
    """Why a URL map answers HTTP requests from a backend instead of redirecting to HTTPS; None when it redirects."""
    if configured(url_map, "default_service"):
        return "default_service sends requests to a backend"
    redirect = first_block(url_map, "default_url_redirect")
    if redirect is None:
        return "no default_url_redirect"
    if not is_true(url_map.get(f"{redirect}.https_redirect")):
        return "default_url_redirect does not set https_redirect = true"
    for matcher in block_paths(url_map, "path_matcher", verdict):
        rules = block_paths(url_map, f"{matcher}.path_rule", verdict) + block_paths(
            url_map, f"{matcher}.route_rules", verdict
        )
        for path in [matcher, *rules]:
            key = "default_service" if path == matcher else "service"
            if configured(url_map, f"{path}.{key}"):
                return f"{path}.{key} sends requests to a backend"
    return None


# medium: HTTP without redirect sends session cookies and form data in clear text.
@check(
    id="IG-GCP-026",
    title="HTTP load balancer serves content instead of redirecting to HTTPS",
    severity="medium",
    framework="terraform",
    types=["google_compute_target_http_proxy", "google_compute_region_target_http_proxy"],
    cwe="CWE-319",
    description="A target HTTP proxy whose URL map sends requests to backend services (rather than a "
    "default_url_redirect with https_redirect = true) serves the application over plain HTTP, exposing cookies, "
    "credentials and content to anyone on the network path.",
    remediation="Point the HTTP proxy at a dedicated URL map with default_url_redirect { https_redirect = true }, "
    "and serve the application through a target HTTPS proxy.",
    example='resource "google_compute_url_map" "http_redirect" {\n  name = "web-http-redirect"\n\n'
    "  default_url_redirect {\n    https_redirect         = true\n"
    '    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"\n    strip_query            = false\n  }\n}\n\n'
    'resource "google_compute_target_http_proxy" "web" {\n  name    = "web-http"\n'
    "  url_map = google_compute_url_map.http_redirect.id\n}",
    graph=True,
    tags=("encryption", "network"),
)
def gcp_http_proxy_without_redirect(resource, graph):
    maps = [m for m in graph.linked_via(resource, "url_map") if m.type in URL_MAP_TYPES]
    if not maps:
        raise UnknownValue("url_map", "the URL map is not in the scanned files")
    verdict = Verdict()
    for url_map in maps:
        with verdict.item():
            reason = _http_backend(url_map, verdict)
            if reason is not None:
                verdict.fail("url_map", f"URL map {url_map.address} serves plain HTTP: {reason}", (url_map,))
    return verdict.result()
