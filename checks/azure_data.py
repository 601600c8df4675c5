"""Azure database and analytics checks (azurerm): SQL Server / Managed Instance, PostgreSQL and MySQL
(flexible and single server), Cosmos DB, Redis, Data Factory, Synapse, Data Lake Store.

Existing checks in checks/terraform_azure.py: IG-AZR-007 (a SQL/PostgreSQL/MySQL/MariaDB firewall rule
for 0.0.0.0-255.255.255.255), IG-AZR-008 (public network access of single servers and SQL Server) and
IG-AZR-011 (SSL enforcement of single servers). Defaults that changed between azurerm majors (SQL Server
minimum TLS, single-server TLS enforcement, Redis minimum TLS) are judged through checks.azure_defaults.
"""

from __future__ import annotations

from checks._azure import firewall_range, is_set, linked, public_addresses
from checks._helpers import Verdict, as_int, block_paths, element_paths, first_block, is_false, is_true, written
from checks.azure_defaults import value_or_default
from checks.terraform_azure import FIREWALL_RULE_TYPES
from scanner.fix.spec import SetValue
from scanner.records import Resource
from scanner.registry import Fail, check

# Defaults read from the provider docs and schema at v2.99.0, v3.117.1, v4.50.0 and 5.2.0 (upgrade guides
# 3.0 and 4.0). 2.x left the SQL Server minimum TLS unset, which Azure treats as accepting TLS 1.0.
MSSQL_TLS_DEFAULT = {2: "1.0", 3: "1.2", 4: "1.2", 5: "1.2"}
SINGLE_SERVER_TLS_DEFAULT = {2: "TLSEnforcementDisabled", 3: "TLS1_2", 4: "TLS1_2", 5: "TLS1_2"}
REDIS_TLS_DEFAULT = {2: "1.0", 3: "1.2", 4: "1.2", 5: "1.2"}  # 3.x/4.x docs say 1.0; the schema sets 1.2

SERVER_RULE_TYPES = [*FIREWALL_RULE_TYPES, "azurerm_synapse_firewall_rule"]
FLEXIBLE_CONFIGS = ["azurerm_postgresql_flexible_server_configuration", "azurerm_mysql_flexible_server_configuration"]
MSSQL = "azurerm_mssql_server"
COSMOS = "azurerm_cosmosdb_account"
REDIS = "azurerm_redis_cache"


def _rule_range(resource: Resource) -> tuple[str, str, int] | None:
    """(start, end, public addresses) of a start/end firewall rule (Redis: start_ip/end_ip)."""
    if resource.type == "azurerm_redis_firewall_rule":
        found = firewall_range(resource, "start_ip", "end_ip")
    else:
        found = firewall_range(resource)
    if found is None:
        return None
    return str(found[0]), str(found[1]), public_addresses(*found)


def _end_attribute(resource: Resource) -> str:
    return "end_ip" if resource.type == "azurerm_redis_firewall_rule" else "end_ip_address"


# medium: any Azure customer's service, in any tenant, passes the firewall (authentication still required)
@check(
    id="IG-AZR-037",
    title='Database firewall allows all Azure services ("Allow Azure services")',
    severity="medium",
    framework="terraform",
    types=SERVER_RULE_TYPES,
    cwe="CWE-284",
    description="A rule from 0.0.0.0 to 0.0.0.0 is the portal's 'Allow Azure services and resources to access this "
    "server': it admits connections from every Azure datacenter address, including VMs and functions of any "
    "other Azure customer, so the firewall no longer limits who can try to log in.",
    remediation="Remove the 0.0.0.0 rule; reach the server from your Azure resources through private endpoints or "
    "VNet rules, and allow only the specific outbound IPs of services that need it.",
    example='resource "azurerm_mssql_firewall_rule" "build_agents" {\n  name             = "build-agents"\n'
    '  server_id        = azurerm_mssql_server.main.id\n  start_ip_address = "203.0.113.16"\n'
    '  end_ip_address   = "203.0.113.31"\n}',
    tags=("network", "database"),
)
def azure_db_firewall_allow_azure(resource):
    found = _rule_range(resource)
    if found is not None and found[0] == found[1] == "0.0.0.0":
        return Fail(_end_attribute(resource), "rule 0.0.0.0-0.0.0.0 admits every Azure service of every customer")
    return None


WIDE_RULE = 65536  # a /16 of public addresses


# medium: tens of thousands of hosts nobody vetted can reach the login
@check(
    id="IG-AZR-038",
    title="Database or cache firewall rule admits a very wide public range",
    severity="medium",
    framework="terraform",
    types=[*SERVER_RULE_TYPES, "azurerm_redis_firewall_rule"],
    cwe="CWE-284",
    description="A firewall rule whose start-end range covers 65,536 or more public addresses (a /16 or wider), but "
    "not the whole internet (IG-AZR-007/039), opens the server to whole ISPs or cloud regions: usually a "
    "shortcut where a few client addresses were meant.",
    remediation="Narrow the rule to the clients' addresses, or use private endpoints.",
    example='resource "azurerm_postgresql_flexible_server_firewall_rule" "office" {\n  name             = "office"\n'
    '  server_id        = azurerm_postgresql_flexible_server.main.id\n  start_ip_address = "198.51.100.0"\n'
    '  end_ip_address   = "198.51.100.255"\n}',
    tags=("network", "database"),
)
def azure_db_firewall_wide(resource):
    found = _rule_range(resource)
    if found is None or found[1] == "255.255.255.255" and found[0] == "0.0.0.0":
        return None
    start, end, public = found
    if public >= WIDE_RULE:
        return Fail(_end_attribute(resource), f"rule {start}-{end} admits {public:,} public addresses")
    return None


# high: the login endpoint of the workspace or cache is open to every address on the internet
@check(
    id="IG-AZR-039",
    title="Redis or Synapse firewall rule admits the whole internet",
    severity="high",
    framework="terraform",
    types=["azurerm_redis_firewall_rule", "azurerm_synapse_firewall_rule"],
    cwe="CWE-284",
    description="A rule from 0.0.0.0 to 255.255.255.255 admits every IPv4 address, so the cache's access keys or "
    "the workspace's SQL logins are the only barrier against anyone on the internet. (The same rule on SQL, "
    "PostgreSQL and MySQL servers is IG-AZR-007.)",
    remediation="Allow only the client ranges that need access, or use private endpoints and turn public network "
    "access off.",
    example='resource "azurerm_redis_firewall_rule" "app" {\n  name                = "app_outbound"\n'
    "  redis_cache_name    = azurerm_redis_cache.main.name\n"
    "  resource_group_name = azurerm_resource_group.main.name\n"
    '  start_ip            = "203.0.113.10"\n  end_ip              = "203.0.113.12"\n}',
    tags=("network", "database", "public"),
)
def azure_cache_firewall_world(resource):
    found = _rule_range(resource)
    if found is not None and found[0] == "0.0.0.0" and found[1] == "255.255.255.255":
        return Fail(_end_attribute(resource), "rule admits every IPv4 address (0.0.0.0-255.255.255.255)")
    return None


MSSQL_EXAMPLE = (
    'resource "azurerm_mssql_server" "main" {\n  name                          = "acme-sql"\n'
    "  resource_group_name           = azurerm_resource_group.main.name\n"
    '  location                      = "westeurope"\n  version                       = "12.0"\n'
    '  minimum_tls_version           = "1.2"\n  public_network_access_enabled = false\n'
    "  transparent_data_encryption_key_vault_key_id = azurerm_key_vault_key.sql.id\n\n"
    "  azuread_administrator {\n"
    '    login_username              = "sql-admins"\n    object_id                   = var.sql_admins_group_id\n'
    "    azuread_authentication_only = true\n  }\n}\n\n"
    'resource "azurerm_mssql_server_extended_auditing_policy" "main" {\n'
    "  server_id              = azurerm_mssql_server.main.id\n"
    "  log_monitoring_enabled = true\n  retention_in_days      = 90\n}"
)


# (admin block, separate admin resource type, the attribute naming the server) per server type
ENTRA_ADMINS = {
    MSSQL: ("azuread_administrator", "azurerm_sql_active_directory_administrator", ("server_name", "server_id")),
    "azurerm_sql_server": ("azuread_administrator", "azurerm_sql_active_directory_administrator", ("server_name",)),
    "azurerm_mssql_managed_instance": (
        "azure_active_directory_administrator",
        "azurerm_mssql_managed_instance_active_directory_administrator",
        ("managed_instance_id",),
    ),
}


# medium: logins rely on SQL passwords only; no central identity, MFA or account lifecycle
@check(
    id="IG-AZR-040",
    title="SQL server or managed instance has no Microsoft Entra administrator",
    severity="medium",
    framework="terraform",
    types=list(ENTRA_ADMINS),
    cwe="CWE-287",
    description="Without an azuread_administrator block (azure_active_directory_administrator on a managed "
    "instance) or a separate Entra administrator resource, the server can only be administered with its SQL "
    "login and password: no MFA, no conditional access, no central disabling of a leaver's access.",
    remediation="Add azuread_administrator { login_username, object_id } naming an Entra group, ideally with "
    "azuread_authentication_only = true.",
    example=MSSQL_EXAMPLE,
    graph=True,
    tags=("database", "iam"),
)
def azure_sql_no_entra_admin(resource, graph):
    block, admin_type, attributes = ENTRA_ADMINS[resource.type]
    if first_block(resource, block) is not None:
        return None
    if linked(graph, resource, admin_type, *attributes):
        return None
    at = written(resource, block)
    return Fail(at, "no Microsoft Entra administrator: only SQL authentication administers the server")


# medium: no record of logins and queries to investigate misuse
@check(
    id="IG-AZR-041",
    title="SQL server auditing is not enabled",
    severity="medium",
    framework="terraform",
    types=[MSSQL, "azurerm_mssql_server_extended_auditing_policy"],
    cwe="CWE-778",
    description="No azurerm_mssql_server_extended_auditing_policy refers to the server (or the one that does has "
    "enabled = false): logins, permission changes and queries are not recorded, so data theft or abuse of a "
    "leaked password leaves no trace.",
    remediation="Add an azurerm_mssql_server_extended_auditing_policy for the server (to Log Analytics with "
    "log_monitoring_enabled and a diagnostic setting, or to a storage account) and keep enabled = true.",
    example=MSSQL_EXAMPLE,
    graph=True,
    tags=("database", "logging"),
)
def azure_sql_auditing(resource, graph):
    if resource.type == "azurerm_mssql_server_extended_auditing_policy":
        if is_false(resource.get("enabled")):
            return Fail("enabled", "the server's auditing policy is disabled")
        return None
    if first_block(resource, "extended_auditing_policy") is not None:  # inline block of azurerm 2.x
        return None
    if linked(graph, resource, "azurerm_mssql_server_extended_auditing_policy", "server_id"):
        return None
    return Fail(None, "no extended auditing policy refers to this server: nothing is audited")


# low: logs exist but are deleted before most investigations need them
@check(
    id="IG-AZR-042",
    title="SQL auditing keeps records for less than 90 days",
    severity="low",
    framework="terraform",
    types=["azurerm_mssql_server_extended_auditing_policy", "azurerm_mssql_database_extended_auditing_policy"],
    cwe="CWE-779",
    description="retention_in_days between 1 and 89 deletes audit records from the storage account before a late "
    "discovered breach can be investigated; 0 (the default) keeps them forever.",
    remediation="Set retention_in_days = 90 or more (or 0 to keep records forever).",
    example='resource "azurerm_mssql_server_extended_auditing_policy" "main" {\n'
    "  server_id                  = azurerm_mssql_server.main.id\n"
    "  storage_endpoint           = azurerm_storage_account.audit.primary_blob_endpoint\n"
    "  storage_account_access_key = azurerm_storage_account.audit.primary_access_key\n"
    "  retention_in_days          = 180\n}",
    tags=("database", "logging"),
    # safe: keeps audit records longer (90 days, the check's floor); only storage grows
    fix=SetValue("retention_in_days", 90),
)
def azure_sql_audit_retention(resource):
    days = as_int(resource.get("retention_in_days"))
    if days is not None and 0 < days < 90:
        return Fail("retention_in_days", f"audit records are deleted after {days} days")
    return None


# low: data is encrypted with a Microsoft-managed key; a customer key adds revocation and audit of key use
@check(
    id="IG-AZR-043",
    title="SQL server transparent data encryption does not use a customer-managed key",
    severity="low",
    framework="terraform",
    types=[MSSQL],
    cwe="CWE-320",
    description="Neither transparent_data_encryption_key_vault_key_id nor an "
    "azurerm_mssql_server_transparent_data_encryption with key_vault_key_id is set, so databases are encrypted "
    "with a service-managed key: you cannot revoke access to the data by disabling the key, or audit its use.",
    remediation="Set transparent_data_encryption_key_vault_key_id (with a server identity that can use the key) "
    "or add an azurerm_mssql_server_transparent_data_encryption with key_vault_key_id.",
    example=MSSQL_EXAMPLE,
    graph=True,
    tags=("database", "encryption"),
)
def azure_sql_tde_cmk(resource, graph):
    if is_set(resource, "transparent_data_encryption_key_vault_key_id"):
        return None
    verdict = Verdict()
    for tde in linked(graph, resource, "azurerm_mssql_server_transparent_data_encryption", "server_id"):
        with verdict.item():
            if is_set(tde, "key_vault_key_id") or is_set(tde, "managed_hsm_key_id"):
                return None
    verdict.result()
    return Fail(None, "transparent data encryption uses a service-managed key")


# medium: SQL injection, anomalous access and exfiltration alerts are turned off
@check(
    id="IG-AZR-044",
    title="SQL threat detection (Defender alert policy) is disabled",
    severity="medium",
    framework="terraform",
    # not azurerm_mssql_database threat_detection_policy: a server-level policy applies to every database anyway
    types=["azurerm_mssql_server_security_alert_policy", "azurerm_mssql_managed_instance_security_alert_policy"],
    cwe="CWE-778",
    description='A security alert policy with state = "Disabled" (enabled = false on a managed instance), or a '
    "database threat_detection_policy set to Disabled, turns off alerts on SQL injection, brute force, "
    "access from unusual locations and data exfiltration.",
    remediation='Set state = "Enabled" (enabled = true) and send alerts to email_addresses or admins.',
    example='resource "azurerm_mssql_server_security_alert_policy" "main" {\n'
    "  resource_group_name = azurerm_resource_group.main.name\n"
    '  server_name         = azurerm_mssql_server.main.name\n  state               = "Enabled"\n'
    '  email_addresses     = ["secops@example.com"]\n}',
    tags=("database", "logging"),
)
def azure_sql_threat_detection(resource):
    if resource.type == "azurerm_mssql_managed_instance_security_alert_policy":
        if is_false(resource.get("enabled")):
            return Fail("enabled", "the managed instance's security alert policy is disabled")
        return None
    if str(resource.get("state")).lower() == "disabled":
        return Fail("state", "threat detection is disabled for every database of the server")
    return None


# medium: TLS 1.0/1.1 connections to the database can be downgraded and attacked
@check(
    id="IG-AZR-045",
    title="SQL server or managed instance accepts TLS older than 1.2",
    severity="medium",
    framework="terraform",
    types=[MSSQL, "azurerm_mssql_managed_instance"],
    cwe="CWE-326",
    description='minimum_tls_version "1.0", "1.1" or "Disabled" lets clients connect with deprecated TLS. Left '
    "out on azurerm_mssql_server it defaults to 1.2 from azurerm 3.0; 2.x left it unset (TLS 1.0 accepted), so an "
    "omitted value is judged by the provider versions the configuration allows.",
    remediation='Set minimum_tls_version = "1.2".',
    example=MSSQL_EXAMPLE,
    tags=("database", "encryption"),
    fix=SetValue("minimum_tls_version", "1.2", unsafe="clients limited to TLS 1.0 or 1.1 can no longer connect"),
)
def azure_sql_old_tls(resource):
    if resource.type == MSSQL:
        version = value_or_default(resource, "minimum_tls_version", MSSQL_TLS_DEFAULT)
    else:
        version = resource.get("minimum_tls_version")
    if str(version) in ("1.0", "1.1", "Disabled"):
        written_value = resource.get("minimum_tls_version") is not None
        how = f"minimum TLS version is {version}" if written_value else "minimum_tls_version is not set (2.x: TLS 1.0)"
        return Fail(written(resource, "minimum_tls_version"), how)
    return None


# medium: the instance's data endpoint (port 3342) faces the internet, protected by logins and its NSG only
@check(
    id="IG-AZR-046",
    title="SQL managed instance has its public data endpoint enabled",
    severity="medium",
    framework="terraform",
    types=["azurerm_mssql_managed_instance"],
    cwe="CWE-668",
    description="public_data_endpoint_enabled = true publishes the instance on a public endpoint (port 3342), so "
    "its logins can be attacked from the internet unless the subnet's NSG restricts it.",
    remediation="Set public_data_endpoint_enabled = false and connect from peered networks, VPN or private endpoints.",
    example='resource "azurerm_mssql_managed_instance" "main" {\n  name                         = "acme-sqlmi"\n'
    "  resource_group_name          = azurerm_resource_group.main.name\n"
    '  location                     = "westeurope"\n  license_type                 = "BasePrice"\n'
    '  sku_name                     = "GP_Gen5"\n  storage_size_in_gb           = 32\n'
    "  subnet_id                    = azurerm_subnet.sqlmi.id\n  vcores                       = 4\n"
    "  public_data_endpoint_enabled = false\n}",
    tags=("database", "network"),
    fix=SetValue(
        "public_data_endpoint_enabled",
        False,
        unsafe="clients that connect through the public data endpoint (port 3342) lose access",
    ),
)
def azure_sqlmi_public_endpoint(resource):
    if is_true(resource.get("public_data_endpoint_enabled")):
        return Fail("public_data_endpoint_enabled", "the managed instance has a public data endpoint")
    return None


def _config_name(resource: Resource) -> str:
    return str(resource.get("name", "")).strip().lower()


# medium: credentials and query results can cross the network unencrypted
@check(
    id="IG-AZR-047",
    title="Flexible server does not require TLS (require_secure_transport off)",
    severity="medium",
    framework="terraform",
    types=FLEXIBLE_CONFIGS,
    cwe="CWE-319",
    description="A server parameter require_secure_transport = OFF on a PostgreSQL or MySQL flexible server lets "
    "clients connect without TLS, so passwords and data can be read or altered on the network.",
    remediation="Remove the configuration (the default is ON) or set its value to ON.",
    example='resource "azurerm_mysql_flexible_server_configuration" "secure_transport" {\n'
    '  name                = "require_secure_transport"\n'
    "  resource_group_name = azurerm_resource_group.main.name\n"
    '  server_name         = azurerm_mysql_flexible_server.main.name\n  value               = "ON"\n}',
    tags=("database", "encryption"),
)
def azure_flexible_secure_transport(resource):
    if _config_name(resource) == "require_secure_transport" and str(resource.get("value")).lower() in ("off", "0"):
        return Fail("value", "require_secure_transport is OFF: clients may connect without TLS")
    return None


OLD_TLS_NAMES = {"tlsv1", "tlsv1.1"}


# medium: TLS 1.0/1.1 connections can be downgraded and attacked
@check(
    id="IG-AZR-048",
    title="Flexible server allows TLS older than 1.2",
    severity="medium",
    framework="terraform",
    types=FLEXIBLE_CONFIGS,
    cwe="CWE-326",
    description="The MySQL parameter tls_version listing TLSv1 or TLSv1.1, or the PostgreSQL parameter "
    "ssl_min_protocol_version set to TLSv1 or TLSv1.1, lets clients negotiate deprecated TLS versions.",
    remediation='Set tls_version = "TLSv1.2" (or "TLSv1.2,TLSv1.3") on MySQL, ssl_min_protocol_version = '
    '"TLSv1.2" on PostgreSQL.',
    example='resource "azurerm_postgresql_flexible_server_configuration" "tls" {\n'
    '  name      = "ssl_min_protocol_version"\n  server_id = azurerm_postgresql_flexible_server.main.id\n'
    '  value     = "TLSv1.2"\n}',
    tags=("database", "encryption"),
    fix=SetValue(
        "value",
        "TLSv1.2",
        unsafe="clients limited to TLS 1.0 or 1.1 can no longer connect (and a MySQL list that also offered TLSv1.3 "
        "drops it)",
    ),
)
def azure_flexible_old_tls(resource):
    if _config_name(resource) not in ("tls_version", "ssl_min_protocol_version"):
        return None
    value = resource.get("value")
    versions = {v.strip().lower() for v in str(value).split(",")}
    old = versions & OLD_TLS_NAMES
    if old:
        return Fail("value", f"{_config_name(resource)} allows {', '.join(sorted(old))}")
    return None


# medium: connections without TLS or with deprecated TLS are accepted
@check(
    id="IG-AZR-049",
    title="PostgreSQL/MySQL single server accepts TLS older than 1.2",
    severity="medium",
    framework="terraform",
    types=["azurerm_postgresql_server", "azurerm_mysql_server"],
    cwe="CWE-326",
    description="ssl_minimal_tls_version_enforced TLS1_0, TLS1_1 or TLSEnforcementDisabled lets clients use "
    "deprecated TLS. Left out, it defaults to TLSEnforcementDisabled in azurerm 2.x and TLS1_2 from 3.0, so an "
    "omitted value is judged by the provider versions the configuration allows. (SSL enforcement switched off "
    "entirely is IG-AZR-011.)",
    remediation='Set ssl_minimal_tls_version_enforced = "TLS1_2" with ssl_enforcement_enabled = true.',
    example='resource "azurerm_postgresql_server" "main" {\n  name                             = "acme-pg"\n'
    '  location                         = "westeurope"\n'
    "  resource_group_name              = azurerm_resource_group.main.name\n"
    '  sku_name                         = "GP_Gen5_2"\n  version                          = "11"\n'
    '  ssl_enforcement_enabled          = true\n  ssl_minimal_tls_version_enforced = "TLS1_2"\n}',
    tags=("database", "encryption"),
    fix=SetValue(
        "ssl_minimal_tls_version_enforced",
        "TLS1_2",
        unsafe="clients limited to TLS 1.0 or 1.1 can no longer connect",
    ),
)
def azure_single_server_old_tls(resource):
    if is_false(resource.get("ssl_enforcement_enabled")):
        return None  # IG-AZR-011
    version = value_or_default(resource, "ssl_minimal_tls_version_enforced", SINGLE_SERVER_TLS_DEFAULT)
    if version in ("TLS1_0", "TLS1_1", "TLSEnforcementDisabled"):
        at = written(resource, "ssl_minimal_tls_version_enforced")
        how = "is" if resource.get("ssl_minimal_tls_version_enforced") is not None else "is not set and defaults to"
        return Fail(at, f"ssl_minimal_tls_version_enforced {how} {version}")
    return None


FLEXIBLE_SERVERS = ["azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server"]


def _flexible_public(resource: Resource) -> tuple[str | None, bool]:
    """(attribute, public) for a flexible server: VNet-integrated servers have no public endpoint."""
    access = resource.get("public_network_access")  # MySQL, azurerm 4.x+: "Enabled" / "Disabled"
    if access is not None and str(access).lower() == "disabled":
        return "public_network_access", False
    if is_false(resource.get("public_network_access_enabled")) or is_set(resource, "delegated_subnet_id"):
        return None, False
    if access is not None:
        return "public_network_access", True
    return written(resource, "public_network_access_enabled"), True


# low: the server has a public endpoint guarded by its firewall rules (judged by IG-AZR-007/037/038)
@check(
    id="IG-AZR-050",
    title="PostgreSQL/MySQL flexible server accepts connections from public networks",
    severity="low",
    framework="terraform",
    types=FLEXIBLE_SERVERS,
    cwe="CWE-284",
    description="A flexible server without delegated_subnet_id and with public access on (the default) has a "
    "public endpoint: only its firewall rules stand between the internet and its logins.",
    remediation="Deploy it into a delegated subnet (delegated_subnet_id, private_dns_zone_id) or set "
    'public_network_access_enabled = false (MySQL: public_network_access = "Disabled") and use private '
    "endpoints.",
    example='resource "azurerm_postgresql_flexible_server" "main" {\n  name                          = "acme-pgflex"\n'
    "  resource_group_name           = azurerm_resource_group.main.name\n"
    '  location                      = "westeurope"\n  version                       = "16"\n'
    "  delegated_subnet_id           = azurerm_subnet.postgres.id\n"
    "  private_dns_zone_id           = azurerm_private_dns_zone.postgres.id\n"
    "  public_network_access_enabled = false\n"
    '  sku_name                      = "GP_Standard_D2s_v3"\n}',
    tags=("database", "network"),
)
def azure_flexible_public(resource):
    at, public = _flexible_public(resource)
    if public:
        return Fail(at, "the server has a public endpoint (no delegated subnet, public access not disabled)")
    return None


PG_LOG_PARAMETERS = {"log_checkpoints", "log_connections", "log_disconnections", "connection_throttling"}


# medium: connection and checkpoint logging is what shows brute force and abuse afterwards
@check(
    id="IG-AZR-051",
    title="PostgreSQL logging parameter turned off",
    severity="medium",
    framework="terraform",
    types=["azurerm_postgresql_configuration", "azurerm_postgresql_flexible_server_configuration"],
    cwe="CWE-778",
    description="Setting log_connections, log_disconnections, log_checkpoints or connection_throttling to off "
    "removes the record of who connected (and of password guessing) from the server logs.",
    remediation='Set the parameter\'s value to "on" (or remove the configuration resource to keep the default).',
    example='resource "azurerm_postgresql_flexible_server_configuration" "log_connections" {\n'
    '  name      = "log_connections"\n  server_id = azurerm_postgresql_flexible_server.main.id\n'
    '  value     = "on"\n}',
    tags=("database", "logging"),
    # safe: turns a logging parameter back on: more log lines, no change to what clients can do
    fix=SetValue("value", "on"),
)
def azure_pg_logging_off(resource):
    name = _config_name(resource)
    if name in PG_LOG_PARAMETERS and str(resource.get("value")).strip().lower() in ("off", "0", "false"):
        return Fail("value", f"{name} is off")
    return None


# low: availability and recovery control (a regional outage or loss)
@check(
    id="IG-AZR-052",
    title="Database server backups are not geo-redundant",
    severity="low",
    framework="terraform",
    types=[*FLEXIBLE_SERVERS, "azurerm_postgresql_server", "azurerm_mysql_server"],
    cwe="CWE-693",
    description="geo_redundant_backup_enabled defaults to false: backups stay in the server's region, so a "
    "regional disaster can take the data and its backups together. It can only be chosen at creation. Basic "
    "tier single servers, which cannot have it, and read replicas are not reported.",
    remediation="Set geo_redundant_backup_enabled = true when creating the server.",
    example='resource "azurerm_mysql_flexible_server" "main" {\n  name                         = "acme-mysql"\n'
    "  resource_group_name          = azurerm_resource_group.main.name\n"
    '  location                     = "westeurope"\n  sku_name                     = "GP_Standard_D2ds_v4"\n'
    "  geo_redundant_backup_enabled = true\n}",
    tags=("database", "backup"),
    fix=SetValue(
        "geo_redundant_backup_enabled",
        True,
        unsafe="geo_redundant_backup_enabled forces a new flexible server (and PostgreSQL single server): Terraform "
        "replaces the server and its data; geo-redundant backup storage also costs more",
    ),
)
def azure_db_geo_backup(resource):
    if str(resource.get("create_mode", "")).lower() == "replica":
        return None  # a read replica takes no backups of its own
    single = resource.type in ("azurerm_postgresql_server", "azurerm_mysql_server")
    if single and str(resource.get("sku_name", "")).startswith("B_"):
        return None  # Basic tier single servers cannot have geo-redundant backups
    if is_true(resource.get("geo_redundant_backup_enabled")):
        return None
    return Fail(written(resource, "geo_redundant_backup_enabled"), "backups are not geo-redundant")


COSMOS_EXAMPLE = (
    'resource "azurerm_cosmosdb_account" "main" {\n  name                               = "acme-cosmos"\n'
    '  location                           = "westeurope"\n'
    "  resource_group_name                = azurerm_resource_group.main.name\n"
    '  offer_type                         = "Standard"\n  kind                               = "GlobalDocumentDB"\n'
    "  public_network_access_enabled      = false\n  local_authentication_disabled      = true\n"
    "  access_key_metadata_writes_enabled = false\n"
    '  minimal_tls_version                = "Tls12"\n\n  consistency_policy {\n'
    '    consistency_level = "Session"\n  }\n\n  geo_location {\n    location          = "westeurope"\n'
    "    failover_priority = 0\n  }\n}"
)


def _ip_filter(resource: Resource) -> list[tuple[str, str]]:
    """(attribute path, entry) of ip_range_filter: a set in azurerm 4.x, a comma-separated string before."""
    verdict = Verdict()
    entries = []
    for path in element_paths(resource, "ip_range_filter"):
        with verdict.item():
            value = resource.get(path)
            for item in str(value).split(","):
                if item.strip():
                    entries.append((path, item.strip()))
    verdict.result()
    return entries


# medium: the account's endpoints accept connections from every network; keys leaked anywhere work
@check(
    id="IG-AZR-053",
    title="Cosmos DB account accepts connections from all networks",
    severity="medium",
    framework="terraform",
    types=[COSMOS],
    cwe="CWE-284",
    description="With public network access on (the default), no ip_range_filter and virtual network filtering "
    "off, the account accepts requests from any address, so a leaked key or resource token works from anywhere.",
    remediation="Set public_network_access_enabled = false and use private endpoints, or restrict access with "
    "ip_range_filter and is_virtual_network_filter_enabled with virtual_network_rule blocks.",
    example=COSMOS_EXAMPLE,
    tags=("database", "network", "public"),
)
def azure_cosmos_all_networks(resource):
    if is_false(resource.get("public_network_access_enabled")):
        return None
    if is_true(resource.get("is_virtual_network_filter_enabled")) or _ip_filter(resource):
        return None
    return Fail(
        written(resource, "public_network_access_enabled"),
        "public network access with no IP or virtual network filter: every network is admitted",
    )


# medium: any Azure customer's workload (0.0.0.0) or the whole internet passes the account's IP filter
@check(
    id="IG-AZR-054",
    title="Cosmos DB IP filter admits all Azure datacenters or the whole internet",
    severity="medium",
    framework="terraform",
    types=[COSMOS],
    cwe="CWE-284",
    description='An ip_range_filter entry "0.0.0.0" admits requests from every Azure datacenter, including other '
    "customers' services; an entry of 0.0.0.0/0 admits everyone. Either defeats the purpose of the filter.",
    remediation="List only your clients' addresses (and the Azure portal's published addresses if needed); reach "
    "the account from Azure workloads through private endpoints or virtual network rules.",
    example=COSMOS_EXAMPLE,
    tags=("database", "network"),
)
def azure_cosmos_ip_filter_open(resource):
    for path, entry in _ip_filter(resource):
        if entry in ("0.0.0.0", "0.0.0.0/32"):
            return Fail(path, 'ip_range_filter contains "0.0.0.0": every Azure datacenter is admitted')
        if entry.endswith("/0"):
            return Fail(path, f"ip_range_filter contains {entry}: every address is admitted")
    return None


NON_SQL_CAPABILITIES = {"enablecassandra", "enabletable", "enablegremlin", "enablemongo"}


def _sql_api(resource: Resource) -> bool:
    """Local authentication can only be turned off for the NoSQL (SQL) API."""
    if str(resource.get("kind", "GlobalDocumentDB")) != "GlobalDocumentDB":
        return False
    verdict = Verdict()
    names = set()
    for block in block_paths(resource, "capabilities", verdict):
        with verdict.item():
            names.add(str(resource.get(f"{block}.name")).lower())
    verdict.result()
    return not names & NON_SQL_CAPABILITIES


# low: account keys remain valid alongside Entra ID; they cannot be scoped or attributed
@check(
    id="IG-AZR-055",
    title="Cosmos DB account allows key-based (local) authentication",
    severity="low",
    framework="terraform",
    types=[COSMOS],
    cwe="CWE-798",
    description="Local authentication (primary/secondary keys and resource tokens) is on by default; a leaked "
    "key grants full data access that cannot be scoped to a person or revoked without rotating it. NoSQL API "
    "accounts can require Microsoft Entra ID instead.",
    remediation="Set local_authentication_disabled = true (azurerm 5.x: local_authentication_enabled = false) and "
    "grant Cosmos DB data-plane RBAC roles.",
    example=COSMOS_EXAMPLE,
    tags=("database", "iam"),
)
def azure_cosmos_local_auth(resource):
    if not _sql_api(resource):
        return None
    if resource.get("local_authentication_enabled") is not None:
        enabled = resource.get("local_authentication_enabled")
        return (
            Fail("local_authentication_enabled", "local (key) authentication is enabled") if is_true(enabled) else None
        )
    if is_true(resource.get("local_authentication_disabled")):
        return None
    return Fail(written(resource, "local_authentication_disabled"), "local (key) authentication is enabled")


# low: a leaked key can also drop databases and containers or change throughput
@check(
    id="IG-AZR-056",
    title="Cosmos DB account keys can change databases and containers",
    severity="low",
    framework="terraform",
    types=[COSMOS],
    cwe="CWE-284",
    description="access_key_metadata_writes_enabled defaults to true: anyone holding an account key can create, "
    "delete or reconfigure databases and containers, not just read and write data.",
    remediation="Set access_key_metadata_writes_enabled = false and manage databases and containers through "
    "Azure Resource Manager (Terraform, with RBAC).",
    example=COSMOS_EXAMPLE,
    tags=("database", "iam"),
    fix=SetValue(
        "access_key_metadata_writes_enabled",
        False,
        unsafe="applications that create or change databases and containers with the account keys (CreateIfNotExists"
        " at start-up) fail",
    ),
)
def azure_cosmos_metadata_writes(resource):
    if is_false(resource.get("access_key_metadata_writes_enabled")):
        return None
    return Fail(
        written(resource, "access_key_metadata_writes_enabled"),
        "account keys may write metadata (create or delete databases and containers)",
    )


# medium: TLS 1.0/1.1 connections can be downgraded and attacked
@check(
    id="IG-AZR-057",
    title="Cosmos DB account accepts TLS older than 1.2",
    severity="medium",
    framework="terraform",
    types=[COSMOS],
    cwe="CWE-326",
    description='minimal_tls_version "Tls" (1.0) or "Tls11" lets clients negotiate deprecated TLS. Left out, new '
    "accounts get TLS 1.2 (the provider default from 4.0, Azure's default for new accounts since April 2023).",
    remediation='Set minimal_tls_version = "Tls12".',
    example=COSMOS_EXAMPLE,
    tags=("database", "encryption"),
    fix=SetValue("minimal_tls_version", "Tls12", unsafe="clients limited to TLS 1.0 or 1.1 can no longer connect"),
)
def azure_cosmos_old_tls(resource):
    version = resource.get("minimal_tls_version")
    if version in ("Tls", "Tls11"):
        return Fail("minimal_tls_version", f"minimal TLS version is {version}")
    return None


REDIS_EXAMPLE = (
    'resource "azurerm_redis_cache" "main" {\n  name                          = "acme-redis"\n'
    '  location                      = "westeurope"\n'
    "  resource_group_name           = azurerm_resource_group.main.name\n  capacity                      = 1\n"
    '  family                        = "P"\n  sku_name                      = "Premium"\n'
    "  non_ssl_port_enabled          = false\n"
    '  minimum_tls_version           = "1.2"\n  public_network_access_enabled = false\n}'
)


# high: the cache's access key and all data cross the network in clear on port 6379
@check(
    id="IG-AZR-058",
    title="Redis cache has its non-TLS port enabled",
    severity="high",
    framework="terraform",
    types=[REDIS],
    cwe="CWE-319",
    description="non_ssl_port_enabled (enable_non_ssl_port before azurerm 4.0) = true opens port 6379 without TLS: "
    "the access key sent by AUTH and every cached value can be read or altered on the network.",
    remediation="Set non_ssl_port_enabled = false and connect on port 6380 with TLS.",
    example=REDIS_EXAMPLE,
    tags=("database", "encryption"),
)
def azure_redis_non_ssl(resource):
    for name in ("non_ssl_port_enabled", "enable_non_ssl_port"):
        if is_true(resource.get(name)):
            return Fail(name, "the non-TLS port 6379 is enabled")
    return None


# medium: TLS 1.0/1.1 connections can be downgraded and attacked
@check(
    id="IG-AZR-059",
    title="Redis cache accepts TLS older than 1.2",
    severity="medium",
    framework="terraform",
    types=[REDIS],
    cwe="CWE-326",
    description='minimum_tls_version "1.0" or "1.1" lets clients negotiate deprecated TLS. Left out, it defaults to '
    "1.0 in azurerm 2.x and 1.2 from 3.0, so an omitted value is judged by the provider versions the "
    "configuration allows.",
    remediation='Set minimum_tls_version = "1.2".',
    example=REDIS_EXAMPLE,
    tags=("database", "encryption"),
    fix=SetValue("minimum_tls_version", "1.2", unsafe="clients limited to TLS 1.0 or 1.1 can no longer connect"),
)
def azure_redis_old_tls(resource):
    version = str(value_or_default(resource, "minimum_tls_version", REDIS_TLS_DEFAULT))
    if version in ("1.0", "1.1"):
        how = "is" if resource.get("minimum_tls_version") is not None else "is not set and defaults to"
        return Fail(written(resource, "minimum_tls_version"), f"minimum TLS version {how} {version}")
    return None


# low: the cache has a public endpoint, guarded by its access keys and firewall rules
@check(
    id="IG-AZR-060",
    title="Redis cache accepts connections from public networks",
    severity="low",
    framework="terraform",
    types=[REDIS],
    cwe="CWE-284",
    description="public_network_access_enabled defaults to true: without firewall rules the cache's endpoint "
    "accepts connections from any address, protected only by its access key. Caches injected into a subnet "
    "(subnet_id) are not reported.",
    remediation="Set public_network_access_enabled = false and connect through a private endpoint.",
    example=REDIS_EXAMPLE,
    tags=("database", "network"),
    fix=SetValue(
        "public_network_access_enabled",
        False,
        unsafe="clients that reach the cache over its public endpoint lose access; only private endpoints remain",
    ),
)
def azure_redis_public(resource):
    if is_set(resource, "subnet_id") or is_false(resource.get("public_network_access_enabled")):
        return None
    return Fail(written(resource, "public_network_access_enabled"), "the cache has a public endpoint")


# low: the factory's integration runtime and authoring endpoints are reachable from the internet
@check(
    id="IG-AZR-061",
    title="Data Factory is reachable from public networks",
    severity="low",
    framework="terraform",
    types=["azurerm_data_factory"],
    cwe="CWE-284",
    description="public_network_enabled defaults to true: self-hosted integration runtimes and clients reach the "
    "factory over the internet instead of a private endpoint.",
    remediation="Set public_network_enabled = false and use private endpoints (and managed_virtual_network_enabled "
    "for the Azure integration runtime).",
    example='resource "azurerm_data_factory" "main" {\n  name                            = "acme-adf"\n'
    '  location                        = "westeurope"\n'
    "  resource_group_name             = azurerm_resource_group.main.name\n"
    "  public_network_enabled          = false\n  managed_virtual_network_enabled = true\n}",
    tags=("network",),
    fix=SetValue(
        "public_network_enabled",
        False,
        unsafe="the factory is then reachable only through private endpoints: authoring and runtimes on public "
        "networks lose access",
    ),
)
def azure_data_factory_public(resource):
    if is_false(resource.get("public_network_enabled")):
        return None
    return Fail(written(resource, "public_network_enabled"), "the data factory is reachable from public networks")


# low: the workspace's SQL, dev and web endpoints are public, guarded by its firewall rules
@check(
    id="IG-AZR-062",
    title="Synapse workspace accepts connections from public networks",
    severity="low",
    framework="terraform",
    types=["azurerm_synapse_workspace"],
    cwe="CWE-284",
    description="public_network_access_enabled defaults to true: the workspace's SQL and development endpoints "
    "are reachable from the internet, limited only by azurerm_synapse_firewall_rule resources.",
    remediation="Set public_network_access_enabled = false with managed_virtual_network_enabled = true and "
    "connect through managed private endpoints and azurerm_synapse_private_link_hub.",
    example='resource "azurerm_synapse_workspace" "main" {\n  name                                 = "acme-syn"\n'
    "  resource_group_name                  = azurerm_resource_group.main.name\n"
    '  location                             = "westeurope"\n'
    "  storage_data_lake_gen2_filesystem_id = azurerm_storage_data_lake_gen2_filesystem.main.id\n"
    "  managed_virtual_network_enabled      = true\n  public_network_access_enabled        = false\n\n"
    '  identity {\n    type = "SystemAssigned"\n  }\n}',
    tags=("network",),
    fix=SetValue(
        "public_network_access_enabled",
        False,
        unsafe="the workspace is then reachable only through private endpoints: clients on public networks lose access",
    ),
)
def azure_synapse_public(resource):
    if is_false(resource.get("public_network_access_enabled")):
        return None
    return Fail(written(resource, "public_network_access_enabled"), "the workspace accepts public connections")


DATA_LAKE_STORE = "azurerm_data_lake_store"


# medium: the Gen1 account accepts requests from any address
@check(
    id="IG-AZR-063",
    title="Data Lake Store (Gen1) firewall is disabled",
    severity="medium",
    framework="terraform",
    types=[DATA_LAKE_STORE],
    cwe="CWE-284",
    description='firewall_state = "Disabled" lets any address reach the Data Lake Store endpoint; only '
    "credentials protect the data. (Data Lake Storage Gen1 is retired; migrate to a storage account with a "
    "hierarchical namespace.)",
    remediation='Set firewall_state = "Enabled" with azurerm_data_lake_store_firewall_rule resources, and plan the '
    "migration to Data Lake Storage Gen2.",
    example='resource "azurerm_data_lake_store" "main" {\n  name                     = "acmelake"\n'
    "  resource_group_name      = azurerm_resource_group.main.name\n"
    '  location                 = "northeurope"\n  encryption_state         = "Enabled"\n'
    '  firewall_state           = "Enabled"\n  firewall_allow_azure_ips = "Disabled"\n}',
    tags=("network", "storage"),
    fix=SetValue(
        "firewall_state",
        "Enabled",
        unsafe="every address that no firewall rule admits loses access to the Data Lake Store",
    ),
)
def azure_data_lake_firewall(resource):
    if str(resource.get("firewall_state")).lower() == "disabled":
        return Fail("firewall_state", "the Data Lake Store firewall is disabled")
    return None


# medium: data at rest in the Gen1 account is not encrypted
@check(
    id="IG-AZR-064",
    title="Data Lake Store (Gen1) encryption is disabled",
    severity="medium",
    framework="terraform",
    types=[DATA_LAKE_STORE],
    cwe="CWE-311",
    description='encryption_state = "Disabled" stores the data unencrypted at rest (the default is Enabled).',
    remediation='Set encryption_state = "Enabled" (it can only be chosen at creation; recreate the account or '
    "migrate to Data Lake Storage Gen2).",
    example='resource "azurerm_data_lake_store" "main" {\n  name                     = "acmelake"\n'
    "  resource_group_name      = azurerm_resource_group.main.name\n"
    '  location                 = "northeurope"\n  encryption_state         = "Enabled"\n'
    '  firewall_state           = "Enabled"\n}',
    tags=("storage", "encryption"),
    fix=SetValue(
        "encryption_state",
        "Enabled",
        unsafe="encryption_state forces a new Data Lake Store: Terraform replaces the account and its data",
    ),
)
def azure_data_lake_encryption(resource):
    if str(resource.get("encryption_state")).lower() == "disabled":
        return Fail("encryption_state", "encryption at rest is disabled")
    return None


# Firewall rule resources and the attribute that names their server, per server type.
SERVER_RULES = {
    MSSQL: [("azurerm_mssql_firewall_rule", "server_id"), ("azurerm_sql_firewall_rule", "server_name")],
    "azurerm_postgresql_flexible_server": [("azurerm_postgresql_flexible_server_firewall_rule", "server_id")],
    "azurerm_mysql_flexible_server": [("azurerm_mysql_flexible_server_firewall_rule", "server_id")],
}


def _server_public(resource: Resource) -> tuple[str | None, bool]:
    if resource.type == MSSQL:
        return written(resource, "public_network_access_enabled"), not is_false(
            resource.get("public_network_access_enabled")
        )
    return _flexible_public(resource)


# critical: the server's login is reachable from every address on the internet
@check(
    id="IG-AZR-065",
    title="Database server is open to the whole internet through a firewall rule",
    severity="critical",
    framework="terraform",
    types=list(SERVER_RULES),
    cwe="CWE-284",
    description="The server has public network access on and a firewall rule resource for 0.0.0.0-255.255.255.255 "
    "refers to it: every address on the internet can attempt to log in, and any leaked or weak password is "
    "enough. IG-AZR-007 reports the rule; this check confirms the server it opens is publicly reachable.",
    remediation="Delete the rule and allow only known client ranges, or turn public network access off and use "
    "private endpoints.",
    example=MSSQL_EXAMPLE,
    graph=True,
    tags=("database", "network", "public"),
)
def azure_db_server_world_open(resource, graph):
    at, public = _server_public(resource)
    if not public:
        return None
    verdict = Verdict()
    open_rules: list[Resource] = []
    for rule_type, attribute in SERVER_RULES[resource.type]:
        with verdict.item():
            for rule in linked(graph, resource, rule_type, attribute):
                with verdict.item():
                    if rule.get("start_ip_address") == "0.0.0.0" and rule.get("end_ip_address") == "255.255.255.255":
                        open_rules.append(rule)
    if open_rules:
        names = ", ".join(rule.address for rule in open_rules)
        return Fail(at, f"{names} admits every IPv4 address and public network access is on", related=tuple(open_rules))
    return verdict.result()
