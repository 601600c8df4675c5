"""Azure identity, key management and monitoring checks (azurerm): Key Vault and Managed HSM, keys and
secrets, custom roles, Microsoft Defender for Cloud, activity log profiles, diagnostic settings.

Key Vault purge protection is IG-AZR-006 in checks/terraform_azure.py.
"""

from __future__ import annotations

from checks._azure import is_set, linked
from checks._helpers import (
    Verdict,
    any_value,
    as_int,
    block_paths,
    element_paths,
    first_block,
    is_false,
    is_true,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import Resource
from scanner.registry import Fail, check

KEY_VAULT = "azurerm_key_vault"
KEY_VAULT_EXAMPLE = (
    'resource "azurerm_key_vault" "main" {\n  name                          = "acme-prod-kv"\n'
    '  location                      = "westeurope"\n'
    "  resource_group_name           = azurerm_resource_group.main.name\n"
    "  tenant_id                     = data.azurerm_client_config.current.tenant_id\n"
    '  sku_name                      = "premium"\n  purge_protection_enabled      = true\n'
    "  rbac_authorization_enabled    = true\n  public_network_access_enabled = false\n\n"
    '  network_acls {\n    default_action = "Deny"\n    bypass         = "AzureServices"\n  }\n}\n\n'
    'resource "azurerm_monitor_diagnostic_setting" "key_vault" {\n  name                       = "kv-audit"\n'
    "  target_resource_id         = azurerm_key_vault.main.id\n"
    "  log_analytics_workspace_id = azurerm_log_analytics_workspace.security.id\n\n"
    '  enabled_log {\n    category_group = "audit"\n  }\n}'
)


# medium: the vault's data plane is reachable from any network; stolen tokens work from anywhere
@check(
    id="IG-AZR-092",
    title="Key vault accepts connections from all networks",
    severity="medium",
    framework="terraform",
    types=[KEY_VAULT],
    cwe="CWE-284",
    description="With public network access on (the default) and no network_acls whose default_action is Deny, "
    "the vault's secrets, keys and certificates can be requested from any address: a leaked token or "
    "credential works from anywhere.",
    remediation='Add network_acls { default_action = "Deny", bypass = "AzureServices" } with the ip_rules and '
    "subnets that need the vault, or set public_network_access_enabled = false and use a private endpoint.",
    example=KEY_VAULT_EXAMPLE,
    tags=("keyvault", "network"),
)
def azure_key_vault_network(resource):
    if is_false(resource.get("public_network_access_enabled")):
        return None
    acls = first_block(resource, "network_acls")
    if acls is None:
        at = written(resource, "network_acls")
        return Fail(at, "no network_acls and public network access on: every network is admitted")
    if str(resource.get(f"{acls}.default_action")).lower() == "allow":
        return Fail(f"{acls}.default_action", 'network_acls default_action = "Allow": every network is admitted')
    return None


# low: vault access policies are coarse and managed outside Azure RBAC's audit, PIM and conditions
@check(
    id="IG-AZR-093",
    title="Key vault uses access policies instead of Azure RBAC",
    severity="low",
    framework="terraform",
    types=[KEY_VAULT],
    cwe="CWE-732",
    description="Without rbac_authorization_enabled (enable_rbac_authorization before azurerm 4.0), data-plane "
    "access is granted by vault access policies: all-or-nothing per object kind, no per-secret scope, no "
    "Privileged Identity Management, and anyone with Contributor on the vault can grant themselves access.",
    remediation="Set rbac_authorization_enabled = true and grant Key Vault data roles (Key Vault Secrets User...) "
    "with azurerm_role_assignment.",
    example=KEY_VAULT_EXAMPLE,
    tags=("keyvault", "iam"),
)
def azure_key_vault_rbac(resource):
    for name in ("rbac_authorization_enabled", "enable_rbac_authorization"):
        if is_true(resource.get(name)):
            return None
    at = written(resource, "rbac_authorization_enabled", written(resource, "enable_rbac_authorization"))
    return Fail(at, "data-plane access uses vault access policies, not Azure RBAC")


# low: a key that never expires is never forced through rotation
@check(
    id="IG-AZR-094",
    title="Key Vault key has no expiration date",
    severity="low",
    framework="terraform",
    types=["azurerm_key_vault_key", "azurerm_key_vault_managed_hardware_security_module_key"],
    cwe="CWE-324",
    description="Without expiration_date (or a rotation_policy with expire_after), the key stays valid forever: "
    "a key exposed years ago still decrypts and signs, and nothing forces rotation.",
    remediation='Set expiration_date, or better a rotation_policy { expire_after = "P2Y" automatic { '
    'time_before_expiry = "P30D" } }.',
    example='resource "azurerm_key_vault_key" "storage" {\n  name         = "storage-cmk"\n'
    '  key_vault_id = azurerm_key_vault.main.id\n  key_type     = "RSA-HSM"\n  key_size     = 3072\n'
    '  key_opts     = ["wrapKey", "unwrapKey"]\n\n  rotation_policy {\n    expire_after         = "P2Y"\n'
    '    notify_before_expiry = "P30D"\n\n    automatic {\n      time_before_expiry = "P30D"\n    }\n  }\n}',
    tags=("keyvault", "encryption"),
)
def azure_key_expiry(resource):
    if is_set(resource, "expiration_date"):
        return None
    policy = first_block(resource, "rotation_policy")
    if policy is not None and is_set(resource, f"{policy}.expire_after"):
        return None
    return Fail(None, "the key has no expiration date")


# low: a secret that never expires is never forced through rotation
@check(
    id="IG-AZR-095",
    title="Key Vault secret has no expiration date",
    severity="low",
    framework="terraform",
    types=["azurerm_key_vault_secret"],
    cwe="CWE-324",
    description="Without expiration_date the secret never expires, so a password or key copied out of the vault "
    "long ago may still be valid, and nothing prompts its rotation.",
    remediation="Set expiration_date (e.g. with timeadd(timestamp(), ...) and lifecycle ignore_changes) and rotate "
    "the secret before it expires.",
    example='resource "azurerm_key_vault_secret" "db_password" {\n  name            = "db-password"\n'
    "  value           = random_password.db.result\n  key_vault_id    = azurerm_key_vault.main.id\n"
    '  content_type    = "password"\n  expiration_date = "2027-06-30T00:00:00Z"\n}',
    tags=("keyvault", "secrets"),
)
def azure_secret_expiry(resource):
    if is_set(resource, "expiration_date"):
        return None
    return Fail(None, "the secret has no expiration date")


# low: software-protected keys are FIPS 140 level 1; HSM keys never leave tamper-resistant hardware
@check(
    id="IG-AZR-096",
    title="Key Vault key is not HSM-backed",
    severity="low",
    framework="terraform",
    types=["azurerm_key_vault_key"],
    cwe="CWE-320",
    description='key_type "RSA" or "EC" creates a software-protected key; "RSA-HSM" or "EC-HSM" (premium vault) '
    "keeps the key material in FIPS 140 validated hardware security modules, which many compliance regimes "
    "require for customer-managed encryption keys.",
    remediation='Use key_type = "RSA-HSM" or "EC-HSM" in a premium-SKU vault (or a Managed HSM).',
    example='resource "azurerm_key_vault_key" "storage" {\n  name            = "storage-cmk"\n'
    '  key_vault_id    = azurerm_key_vault.main.id\n  key_type        = "RSA-HSM"\n  key_size        = 3072\n'
    '  key_opts        = ["wrapKey", "unwrapKey"]\n  expiration_date = "2027-12-31T00:00:00Z"\n}',
    tags=("keyvault", "encryption"),
)
def azure_key_not_hsm(resource):
    key_type = resource.get("key_type")
    if key_type in ("RSA", "EC"):
        return Fail("key_type", f"key type {key_type} is software-protected")
    return None


# medium: a deleted HSM (and every key in it) can be purged at once, destroying the data it protects
@check(
    id="IG-AZR-097",
    title="Managed HSM purge protection is disabled",
    severity="medium",
    framework="terraform",
    types=["azurerm_key_vault_managed_hardware_security_module"],
    cwe="CWE-693",
    description="Without purge_protection_enabled = true, a deleted Managed HSM or key can be purged before its "
    "soft-delete retention ends, so an attacker or a bad apply can destroy keys, and the data encrypted with "
    "them, irrecoverably.",
    remediation="Set purge_protection_enabled = true (it can only be chosen at creation).",
    example='resource "azurerm_key_vault_managed_hardware_security_module" "main" {\n'
    '  name                       = "acme-mhsm"\n  resource_group_name        = azurerm_resource_group.main.name\n'
    '  location                   = "westeurope"\n  sku_name                   = "Standard_B1"\n'
    "  tenant_id                  = data.azurerm_client_config.current.tenant_id\n"
    "  admin_object_ids           = [data.azurerm_client_config.current.object_id]\n"
    "  purge_protection_enabled   = true\n  soft_delete_retention_days = 90\n}",
    tags=("keyvault",),
    fix=SetValue(
        "purge_protection_enabled",
        True,
        unsafe="purge_protection_enabled forces a new Managed HSM: Terraform replaces it and its keys (and it cannot"
        " be turned off again)",
    ),
)
def azure_mhsm_purge_protection(resource):
    if is_true(resource.get("purge_protection_enabled")):
        return None
    return Fail(written(resource, "purge_protection_enabled"), "purge protection is off: deleted keys can be purged")


def _broad_scope(scope) -> bool:
    """A subscription root ("/subscriptions/<id>"), a management group, or the tenant root ("/")."""
    text = str(scope).strip().rstrip("/").lower()
    parts = text.split("/")
    if text == "":
        return True
    if text.startswith("/providers/microsoft.management/managementgroups/"):
        return True
    return len(parts) == 3 and parts[1] == "subscriptions"


def _scope_is_broad(resource: Resource) -> tuple[str, str] | None:
    """(attribute, scope) of the first subscription-or-wider scope of a role definition."""
    if _broad_scope(resource.get("scope")):
        return "scope", str(resource.get("scope"))
    for path in element_paths(resource, "assignable_scopes"):
        value = resource.get(path)
        if _broad_scope(value):
            return path, str(value)
    return None


# high: anyone assigned the role can do anything, including granting themselves more roles
@check(
    id="IG-AZR-098",
    title='Custom role allows every action ("*") at subscription scope or wider',
    severity="high",
    framework="terraform",
    types=["azurerm_role_definition"],
    cwe="CWE-269",
    description='A custom role whose permissions.actions contains "*" and whose scope or assignable_scopes is a '
    "subscription, a management group or the tenant root is an Owner-equivalent role under another name: it "
    "escapes reviews that look for Owner and grants full control, including role assignments.",
    remediation="List the specific actions the role needs (e.g. Microsoft.Compute/virtualMachines/restart/action) "
    "and scope it to the resource groups that need it; use built-in roles where possible.",
    example='resource "azurerm_role_definition" "vm_operator" {\n  name  = "VM Operator"\n'
    "  scope = data.azurerm_subscription.primary.id\n\n  permissions {\n    actions = [\n"
    '      "Microsoft.Compute/virtualMachines/read",\n      "Microsoft.Compute/virtualMachines/start/action",\n'
    '      "Microsoft.Compute/virtualMachines/restart/action",\n    ]\n  }\n}',
    tags=("iam",),
)
def azure_custom_role_wildcard(resource):
    verdict = Verdict()
    wildcard = None
    for block in block_paths(resource, "permissions", verdict):
        with verdict.item():
            path = f"{block}.actions"
            if any_value(resource.get(path), lambda action: str(action).strip() == "*", path):
                wildcard = path
                break
    if wildcard is None:
        return verdict.result()
    broad = _scope_is_broad(resource)
    if broad is None:
        return None
    return Fail(wildcard, f'permissions.actions contains "*" and the role is assignable at {broad[1]}')


# medium: threats against that resource kind (servers, SQL, storage...) are not detected
@check(
    id="IG-AZR-099",
    title="Microsoft Defender for Cloud plan is on the Free tier",
    severity="medium",
    framework="terraform",
    types=["azurerm_security_center_subscription_pricing"],
    cwe="CWE-778",
    description='tier = "Free" turns the Defender plan for that resource_type off: no threat detection (malware, '
    "brute force, suspicious data access), no vulnerability assessment for those resources.",
    remediation='Set tier = "Standard" for the resource types you run (VirtualMachines, SqlServers, '
    "StorageAccounts, KeyVaults, Containers, ...).",
    example='resource "azurerm_security_center_subscription_pricing" "servers" {\n  tier          = "Standard"\n'
    '  resource_type = "VirtualMachines"\n  subplan       = "P2"\n}',
    tags=("logging",),
    fix=SetValue("tier", "Standard", unsafe="Defender plans on the Standard tier are billed per protected resource"),
)
def azure_defender_free(resource):
    if str(resource.get("tier")).lower() == "free":
        kind = resource.get("resource_type", "VirtualMachines")
        return Fail("tier", f"the Defender plan for {kind} is on the Free tier")
    return None


# low: alerts are raised but nobody is told
@check(
    id="IG-AZR-100",
    title="Defender for Cloud security contact does not receive alerts",
    severity="low",
    framework="terraform",
    types=["azurerm_security_center_contact"],
    cwe="CWE-778",
    description="alert_notifications = false (or alerts_to_admins = false) stops Defender for Cloud from emailing "
    "security alerts, so an active attack may only be noticed by someone browsing the portal.",
    remediation="Set alert_notifications = true and alerts_to_admins = true with a monitored email.",
    example='resource "azurerm_security_center_contact" "main" {\n  name                = "secops"\n'
    '  email               = "secops@example.com"\n  alert_notifications = true\n  alerts_to_admins    = true\n}',
    tags=("logging",),
)
def azure_security_contact_alerts(resource):
    verdict = Verdict()
    for name in ("alert_notifications", "alerts_to_admins"):
        with verdict.item():
            if is_false(resource.get(name)):
                verdict.fail(name, f"{name} is false: security alerts are not emailed")
    return verdict.result()


# low: new VMs are not enrolled in monitoring automatically
@check(
    id="IG-AZR-101",
    title="Defender for Cloud auto-provisioning is off",
    severity="low",
    framework="terraform",
    types=["azurerm_security_center_auto_provisioning"],
    cwe="CWE-778",
    description='auto_provision = "Off" leaves new virtual machines without the monitoring agent, so Defender for '
    "Cloud collects no security events from them.",
    remediation='Set auto_provision = "On" (or deploy the Azure Monitor agent through policy).',
    example='resource "azurerm_security_center_auto_provisioning" "main" {\n  auto_provision = "On"\n}',
    tags=("logging",),
)
def azure_auto_provisioning_off(resource):
    if str(resource.get("auto_provision")).lower() == "off":
        return Fail("auto_provision", "auto-provisioning of the monitoring agent is off")
    return None


LOG_PROFILE = "azurerm_monitor_log_profile"
LOG_PROFILE_EXAMPLE = (
    'resource "azurerm_monitor_log_profile" "main" {\n  name               = "default"\n'
    '  categories         = ["Action", "Delete", "Write"]\n  locations          = ["westeurope", "global"]\n'
    "  storage_account_id = azurerm_storage_account.activity.id\n\n  retention_policy {\n"
    "    enabled = true\n    days    = 365\n  }\n}"
)


# low: activity (control-plane) logs are deleted before late investigations need them
@check(
    id="IG-AZR-102",
    title="Activity log profile keeps records for less than a year",
    severity="low",
    framework="terraform",
    types=[LOG_PROFILE],
    cwe="CWE-779",
    description="A log profile retention_policy that is enabled with days between 1 and 364 deletes the "
    "subscription's activity log (who created, changed or deleted what) before a breach found months later "
    "can be reconstructed; 0 keeps it forever.",
    remediation="Set retention_policy { enabled = true, days = 365 } (or 0 to keep records forever).",
    example=LOG_PROFILE_EXAMPLE,
    tags=("logging",),
    # safe: keeps activity log records a year instead of fewer days; only storage grows
    fix=SetValue("retention_policy.0.days", 365),
)
def azure_log_profile_retention(resource):
    policy = first_block(resource, "retention_policy")
    if policy is None or not is_true(resource.get(f"{policy}.enabled")):
        return None
    days = as_int(resource.get(f"{policy}.days", 0))
    if days is not None and 0 < days < 365:
        return Fail(f"{policy}.days", f"activity log records are deleted after {days} days")
    return None


REQUIRED_CATEGORIES = ("Action", "Delete", "Write")


# medium: part of the control-plane activity (deletes, writes, or global events) is not exported
@check(
    id="IG-AZR-103",
    title="Activity log profile misses categories or the global region",
    severity="medium",
    framework="terraform",
    types=[LOG_PROFILE],
    cwe="CWE-778",
    description='A log profile must export the Write, Delete and Action categories and include the "global" '
    "location (where events of global services such as Microsoft Entra role assignments are recorded); "
    "anything left out is not retained beyond 90 days.",
    remediation='Set categories = ["Action", "Delete", "Write"] and add "global" to locations.',
    example=LOG_PROFILE_EXAMPLE,
    tags=("logging",),
)
def azure_log_profile_coverage(resource):
    verdict = Verdict()
    with verdict.item():
        categories = {str(resource.get(p)).lower() for p in element_paths(resource, "categories")}
        missing = [c for c in REQUIRED_CATEGORIES if c.lower() not in categories]
        if missing:
            verdict.fail("categories", f"categories do not include {', '.join(missing)}")
    with verdict.item():
        locations = {str(resource.get(p)).lower() for p in element_paths(resource, "locations")}
        if "global" not in locations:
            verdict.fail("locations", 'locations do not include "global"')
    return verdict.result()


# medium: reads of secrets and keys leave no trace, so a stolen credential's use cannot be traced
@check(
    id="IG-AZR-104",
    title="Key vault has no diagnostic setting (access is not logged)",
    severity="medium",
    framework="terraform",
    types=[KEY_VAULT],
    cwe="CWE-778",
    description="No azurerm_monitor_diagnostic_setting targets the vault, so its AuditEvent log (every read of a "
    "secret, key or certificate, and every failed attempt) is not kept anywhere: secret theft cannot be "
    "detected or investigated.",
    remediation="Add an azurerm_monitor_diagnostic_setting with target_resource_id = the vault's id, sending the "
    '"audit" category group (or AuditEvent) to a Log Analytics workspace or storage account.',
    example=KEY_VAULT_EXAMPLE,
    graph=True,
    tags=("keyvault", "logging"),
)
def azure_key_vault_diagnostics(resource, graph):
    if linked(graph, resource, "azurerm_monitor_diagnostic_setting", "target_resource_id"):
        return None
    return Fail(None, "no diagnostic setting: access to the vault's secrets and keys is not logged")
