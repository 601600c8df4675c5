"""Azure (azurerm) checks for Terraform resources."""

from __future__ import annotations

from checks._helpers import (
    ADMIN_PORTS,
    AZURE_ANY_SOURCES,
    Verdict,
    admin_ports_in_azure_range,
    block_paths,
    element_paths,
    first_block,
    is_false,
    is_true,
    is_world_cidr,
    written,
)
from checks.azure_defaults import provider_default, value_or_default
from scanner.records import Resource
from scanner.registry import Fail, check

# Defaults read from the provider's docs and schema at v2.99.0, v3.117.1, v4.50.0 and 5.2.0.
NESTED_PUBLIC_DEFAULT = {2: False, 3: True, 4: True, 5: False}  # 2.x: allow_blob_public_access
STORAGE_TLS_DEFAULT = {1: "TLS1_0", 2: "TLS1_0", 3: "TLS1_2", 4: "TLS1_2", 5: "TLS1_2"}


@check(
    id="IG-AZR-001",
    title="Storage container allows anonymous public read access",
    severity="high",
    framework="terraform",
    types=["azurerm_storage_container"],
    cwe="CWE-732",
    description='container_access_type "blob" lets anyone who knows a blob URL read it without credentials; '
    '"container" also lets them list every blob in the container.',
    remediation='Set container_access_type = "private" and share data with SAS tokens scoped in time and '
    "permissions, or through Azure AD roles.",
    example='resource "azurerm_storage_container" "reports" {\n  name                  = "reports"\n'
    '  storage_account_name  = azurerm_storage_account.main.name\n  container_access_type = "private"\n}',
    tags=("storage",),
)
def azure_container_public(resource):
    access = resource.get("container_access_type")
    if isinstance(access, str) and access.lower() in ("blob", "container"):
        return Fail("container_access_type", f"container access type {access!r} allows anonymous reads")
    return None


@check(
    id="IG-AZR-002",
    title="Storage account allows containers to be made public",
    severity="medium",
    framework="terraform",
    types=["azurerm_storage_account"],
    cwe="CWE-732",
    description="allow_nested_items_to_be_public = true (allow_blob_public_access in provider v2) lets any "
    "container in the account be switched to anonymous access, a one-line mistake away from a data leak. Left "
    "out, it is judged by the default of the azurerm versions the configuration allows: true in 3.x and 4.x, "
    "false in 2.x and from 5.0 (unknown when the constraint allows both). Whether a container is actually "
    "public is IG-AZR-001.",
    remediation="Set allow_nested_items_to_be_public = false so the account rejects anonymous access whatever "
    "the container settings say.",
    example='resource "azurerm_storage_account" "main" {\n  name                            = "acmeprod"\n'
    "  resource_group_name             = azurerm_resource_group.main.name\n"
    '  location                        = "westeurope"\n  account_tier                    = "Standard"\n'
    '  account_replication_type        = "GRS"\n  allow_nested_items_to_be_public = false\n'
    '  min_tls_version                 = "TLS1_2"\n}',
    tags=("storage",),
)
def azure_storage_public_nested_items(resource):
    for name in ("allow_nested_items_to_be_public", "allow_blob_public_access"):
        value = resource.get(name)
        if is_true(value):
            return Fail(name, f"{name} = true: containers may be made anonymously readable")
        if value is not None:
            return None
    at = written(resource, "allow_nested_items_to_be_public", written(resource, "allow_blob_public_access"))
    if is_true(provider_default(resource, "allow_nested_items_to_be_public", NESTED_PUBLIC_DEFAULT)):
        return Fail(
            at,
            "allow_nested_items_to_be_public is not set and defaults to true in azurerm 3.x and 4.x, "
            "which the configuration's provider constraint selects: containers may be made public",
        )
    return None


@check(
    id="IG-AZR-003",
    title="Storage account accepts TLS versions older than 1.2",
    severity="medium",
    framework="terraform",
    types=["azurerm_storage_account"],
    cwe="CWE-326",
    description="TLS 1.0 and 1.1 have known weaknesses and are deprecated (RFC 8996); allowing them lets a "
    "downgraded client connection be attacked. Left out, min_tls_version defaults to TLS1_0 in azurerm 1.x and "
    "2.x and to TLS1_2 from 3.0, so an omitted value is reported only when the provider constraint selects 2.x "
    "(unknown when it allows both).",
    remediation='Set min_tls_version = "TLS1_2".',
    example='resource "azurerm_storage_account" "main" {\n  name                     = "acmeprod"\n'
    '  resource_group_name      = azurerm_resource_group.main.name\n  location                 = "westeurope"\n'
    '  account_tier             = "Standard"\n  account_replication_type = "GRS"\n'
    '  min_tls_version          = "TLS1_2"\n}',
    tags=("storage", "encryption"),
)
def azure_storage_old_tls(resource):
    version = value_or_default(resource, "min_tls_version", STORAGE_TLS_DEFAULT)
    if version in ("TLS1_0", "TLS1_1"):
        at = written(resource, "min_tls_version")
        how = "is" if resource.get("min_tls_version") is not None else "is not set and defaults to"
        return Fail(at, f"minimum TLS version {how} {version}")
    return None


@check(
    id="IG-AZR-004",
    title="Storage account accepts plain HTTP",
    severity="medium",
    framework="terraform",
    types=["azurerm_storage_account"],
    cwe="CWE-319",
    description="With secure transfer off, requests (including shared keys in SAS URLs and the data itself) can be "
    "sent over unencrypted HTTP and read or altered in transit.",
    remediation="Remove enable_https_traffic_only / https_traffic_only_enabled or set it to true (the default).",
    example='resource "azurerm_storage_account" "main" {\n  name                       = "acmeprod"\n'
    "  resource_group_name        = azurerm_resource_group.main.name\n"
    '  location                   = "westeurope"\n  account_tier               = "Standard"\n'
    '  account_replication_type   = "GRS"\n  https_traffic_only_enabled = true\n}',
    tags=("storage", "encryption"),
)
def azure_storage_http(resource):
    for name in ("enable_https_traffic_only", "https_traffic_only_enabled"):
        if is_false(resource.get(name)):
            return Fail(name, f"{name} = false: the account accepts unencrypted HTTP")
    return None


def _any_source(value) -> bool:
    return isinstance(value, str) and (value.strip().lower() in AZURE_ANY_SOURCES or is_world_cidr(value))


def _nsg_rule(resource: Resource, prefix: str, verdict: Verdict) -> None:
    """Judge one NSG rule (a security_rule block at `prefix`, or a rule resource when prefix is "")."""
    p = f"{prefix}." if prefix else ""
    if str(resource.get(f"{p}direction", "")).lower() != "inbound":
        return
    if str(resource.get(f"{p}access", "")).lower() != "allow":
        return
    if str(resource.get(f"{p}protocol", "")).lower() not in ("tcp", "*"):
        return
    ports: set[int] = set()
    for name in ("destination_port_range", "destination_port_ranges"):
        for path in element_paths(resource, f"{p}{name}"):
            with verdict.item():
                ports.update(admin_ports_in_azure_range(resource.get(path)))
    if not ports:
        return
    for name in ("source_address_prefix", "source_address_prefixes"):
        for path in element_paths(resource, f"{p}{name}"):
            with verdict.item():
                source = resource.get(path)
                if _any_source(source):
                    services = " and ".join(f"{ADMIN_PORTS[port]} ({port})" for port in sorted(ports))
                    verdict.fail(f"{p}{name}", f"inbound rule allows {services} from {source!r}")
                    return


@check(
    id="IG-AZR-005",
    title="Network security group allows SSH or RDP from the internet",
    severity="high",
    framework="terraform",
    types=["azurerm_network_security_rule", "azurerm_network_security_group"],
    cwe="CWE-284",
    description='An inbound Allow rule whose source is "*", "Internet", "Any" or 0.0.0.0/0 and whose destination '
    "ports include 22 or 3389 exposes remote administration of every VM behind the NSG to brute force and "
    "pre-auth exploits from the whole internet.",
    remediation="Restrict source_address_prefix to known ranges or a service tag such as VirtualNetwork, and use "
    "Azure Bastion or just-in-time VM access for administration.",
    example='resource "azurerm_network_security_rule" "ssh" {\n  name                        = "ssh-from-vpn"\n'
    '  priority                    = 100\n  direction                   = "Inbound"\n'
    '  access                      = "Allow"\n  protocol                    = "Tcp"\n'
    '  source_port_range           = "*"\n  destination_port_range      = "22"\n'
    '  source_address_prefix       = "10.10.0.0/16"\n  destination_address_prefix  = "*"\n'
    "  resource_group_name         = azurerm_resource_group.main.name\n"
    "  network_security_group_name = azurerm_network_security_group.main.name\n}",
    tags=("network",),
)
def azure_nsg_admin_ports_open(resource):
    verdict = Verdict()
    if resource.type == "azurerm_network_security_rule":
        prefixes = [""]
    else:
        prefixes = block_paths(resource, "security_rule", verdict)
    for prefix in prefixes:
        with verdict.item():
            _nsg_rule(resource, prefix, verdict)
    return verdict.result()


@check(
    id="IG-AZR-006",
    title="Key vault purge protection is disabled",
    severity="medium",
    framework="terraform",
    types=["azurerm_key_vault"],
    cwe="CWE-693",
    description="Without purge protection a deleted vault, or its soft-deleted keys and secrets, can be purged "
    "immediately, so a compromised administrator or a bad apply can destroy encryption keys (and the data "
    "encrypted with them) irrecoverably.",
    remediation="Set purge_protection_enabled = true (it cannot be turned off again once on).",
    example='resource "azurerm_key_vault" "main" {\n  name                       = "acme-prod-kv"\n'
    '  location                   = "westeurope"\n  resource_group_name        = azurerm_resource_group.main.name\n'
    "  tenant_id                  = data.azurerm_client_config.current.tenant_id\n"
    '  sku_name                   = "standard"\n  soft_delete_retention_days = 90\n'
    "  purge_protection_enabled   = true\n}",
    tags=("keyvault",),
)
def azure_key_vault_purge(resource):
    if not is_true(resource.get("purge_protection_enabled")):
        at = written(resource, "purge_protection_enabled")
        return Fail(at, "purge protection is off: deleted keys and secrets can be purged at once")
    return None


FIREWALL_RULE_TYPES = [
    "azurerm_sql_firewall_rule",
    "azurerm_mssql_firewall_rule",
    "azurerm_postgresql_firewall_rule",
    "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_mysql_firewall_rule",
    "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_mariadb_firewall_rule",
]


@check(
    id="IG-AZR-007",
    title="Database firewall rule allows the whole internet",
    severity="high",
    framework="terraform",
    types=FIREWALL_RULE_TYPES,
    cwe="CWE-284",
    description="A server firewall rule from 0.0.0.0 to 255.255.255.255 admits every IPv4 address, so the "
    "database login is exposed to password spraying and to any leaked credential from anywhere.",
    remediation="Allow only the client ranges that need the server, or disable public network access and use a "
    "private endpoint.",
    example='resource "azurerm_mssql_firewall_rule" "office" {\n  name             = "office"\n'
    '  server_id        = azurerm_mssql_server.main.id\n  start_ip_address = "203.0.113.0"\n'
    '  end_ip_address   = "203.0.113.255"\n}',
    tags=("network", "database"),
)
def azure_db_firewall_open(resource):
    if resource.get("start_ip_address") == "0.0.0.0" and resource.get("end_ip_address") == "255.255.255.255":
        return Fail("end_ip_address", "firewall rule admits every IPv4 address (0.0.0.0-255.255.255.255)")
    return None


@check(
    id="IG-AZR-008",
    title="Database server accepts connections from public networks",
    severity="low",
    framework="terraform",
    types=["azurerm_mssql_server", "azurerm_mysql_server", "azurerm_postgresql_server", "azurerm_mariadb_server"],
    cwe="CWE-284",
    description="public_network_access_enabled defaults to true: the server has a public endpoint and is only "
    "protected by its firewall rules (see IG-AZR-007 for rules that open it to everyone), hence low severity.",
    remediation="Set public_network_access_enabled = false and connect through a private endpoint.",
    example='resource "azurerm_mssql_server" "main" {\n  name                          = "acme-sql"\n'
    "  resource_group_name           = azurerm_resource_group.main.name\n"
    '  location                      = "westeurope"\n  version                       = "12.0"\n'
    '  minimum_tls_version           = "1.2"\n  public_network_access_enabled = false\n}',
    tags=("network", "database"),
)
def azure_db_public_network(resource):
    enabled = resource.get("public_network_access_enabled")
    if is_false(enabled):
        return None
    return Fail(
        written(resource, "public_network_access_enabled"),
        "database server has a public endpoint (public_network_access_enabled is not false)",
    )


@check(
    id="IG-AZR-011",
    title="MySQL/PostgreSQL server does not enforce SSL",
    severity="medium",
    framework="terraform",
    types=["azurerm_mysql_server", "azurerm_postgresql_server", "azurerm_mariadb_server"],
    cwe="CWE-319",
    description="ssl_enforcement_enabled = false lets clients connect without TLS, so credentials and query "
    "results cross the network in clear.",
    remediation='Set ssl_enforcement_enabled = true and ssl_minimal_tls_version_enforced = "TLS1_2".',
    example='resource "azurerm_postgresql_server" "main" {\n  name                             = "acme-pg"\n'
    '  location                         = "westeurope"\n'
    "  resource_group_name              = azurerm_resource_group.main.name\n"
    '  sku_name                         = "GP_Gen5_2"\n  version                          = "11"\n'
    '  ssl_enforcement_enabled          = true\n  ssl_minimal_tls_version_enforced = "TLS1_2"\n}',
    tags=("database", "encryption"),
)
def azure_db_ssl_not_enforced(resource):
    if is_false(resource.get("ssl_enforcement_enabled")):
        return Fail("ssl_enforcement_enabled", "SSL enforcement is disabled: clients may connect in clear")
    return None


@check(
    id="IG-AZR-009",
    title="AKS cluster has Kubernetes RBAC disabled",
    severity="high",
    framework="terraform",
    types=["azurerm_kubernetes_cluster"],
    cwe="CWE-285",
    description="Without Kubernetes RBAC every authenticated identity, including every pod's service account, is "
    "effectively cluster-admin: one compromised workload controls the whole cluster.",
    remediation="Set role_based_access_control_enabled = true (the default; in provider v2 "
    "role_based_access_control { enabled = true }). It can only be set at cluster creation.",
    example='resource "azurerm_kubernetes_cluster" "main" {\n  name                               = "prod"\n'
    '  location                           = "westeurope"\n'
    "  resource_group_name                = azurerm_resource_group.main.name\n"
    '  dns_prefix                         = "prod"\n  role_based_access_control_enabled = true\n'
    "  local_account_disabled             = true\n}",
    tags=("kubernetes",),
)
def azure_aks_rbac_disabled(resource):
    if is_false(resource.get("role_based_access_control_enabled")):
        return Fail("role_based_access_control_enabled", "Kubernetes RBAC is disabled")
    block = first_block(resource, "role_based_access_control")
    if block and is_false(resource.get(f"{block}.enabled")):
        return Fail(f"{block}.enabled", "Kubernetes RBAC is disabled")
    return None


@check(
    id="IG-AZR-010",
    title="AKS cluster keeps its local admin account",
    severity="medium",
    framework="terraform",
    types=["azurerm_kubernetes_cluster"],
    cwe="CWE-287",
    description="The local clusterAdmin account issues a static certificate credential that bypasses Azure AD, "
    "conditional access and audit by identity; anyone with Microsoft.ContainerService/managedClusters/"
    "listClusterAdminCredential can fetch it.",
    remediation="Enable Azure AD integration (azure_active_directory_role_based_access_control) and set "
    "local_account_disabled = true.",
    example='resource "azurerm_kubernetes_cluster" "main" {\n  name                   = "prod"\n'
    '  location               = "westeurope"\n  resource_group_name    = azurerm_resource_group.main.name\n'
    '  dns_prefix             = "prod"\n  local_account_disabled = true\n\n'
    "  azure_active_directory_role_based_access_control {\n    azure_rbac_enabled = true\n  }\n}",
    tags=("kubernetes",),
)
def azure_aks_local_accounts(resource):
    if is_true(resource.get("local_account_disabled")):
        return None
    at = written(resource, "local_account_disabled")
    return Fail(at, "local accounts are enabled: a static cluster-admin credential exists")
