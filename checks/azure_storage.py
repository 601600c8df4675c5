"""Azure storage account checks (azurerm): network exposure, authorisation, encryption, recovery, logging.

Public containers and the account-level public access, TLS and HTTPS settings are IG-AZR-001..004 in
checks/terraform_azure.py. Defaults were read from the provider docs and schema (v2.99 to 5.2); the
one that changed between majors (cross-tenant replication) is judged through checks.azure_defaults.
"""

from __future__ import annotations

from checks._azure import linked
from checks._helpers import first_block, is_false, is_true, written
from checks.azure_defaults import value_or_default
from scanner.fix.spec import SetValue
from scanner.records import Resource
from scanner.registry import Fail, check

ACCOUNT = "azurerm_storage_account"
# cross_tenant_replication_enabled: true in 3.x (the attribute is new in 3.x), false from 4.0 (4.0 upgrade guide)
CROSS_TENANT_DEFAULT = {3: True, 4: False, 5: False}


def _kind(resource: Resource) -> str:
    return str(resource.get("account_kind", "StorageV2"))


def _has_blobs(resource: Resource) -> bool:
    """Blob recovery settings apply: not to FileStorage accounts (file shares only), nor to NFS 3.0
    accounts, which support neither soft delete nor versioning."""
    return _kind(resource) != "FileStorage" and not is_true(resource.get("nfsv3_enabled"))


def _public_network_off(resource: Resource) -> bool:
    return is_false(resource.get("public_network_access_enabled"))


ACCOUNT_EXAMPLE_HEAD = (
    'resource "azurerm_storage_account" "main" {\n  name                     = "acmeprod"\n'
    "  resource_group_name      = azurerm_resource_group.main.name\n"
    '  location                 = "westeurope"\n  account_tier             = "Standard"\n'
    '  account_replication_type = "GRS"\n'
)


# medium: every network can reach the account's endpoints; keys or SAS leaked anywhere are usable
@check(
    id="IG-AZR-012",
    title="Storage account accepts connections from all networks",
    severity="medium",
    framework="terraform",
    types=[ACCOUNT, "azurerm_storage_account_network_rules"],
    cwe="CWE-284",
    description="Without network rules whose default action is Deny (and with public network access on, the "
    "default), the account's blob, file, queue and table endpoints accept requests from any IP address, so a "
    "leaked key or SAS token works from anywhere.",
    remediation='Add network_rules { default_action = "Deny" } (or an azurerm_storage_account_network_rules '
    "resource) with the ip_rules and virtual_network_subnet_ids that need access, or set "
    "public_network_access_enabled = false and use private endpoints.",
    example=ACCOUNT_EXAMPLE_HEAD + '\n  network_rules {\n    default_action             = "Deny"\n'
    '    bypass                     = ["AzureServices"]\n    ip_rules                   = ["203.0.113.0/24"]\n'
    "    virtual_network_subnet_ids = [azurerm_subnet.app.id]\n  }\n}",
    graph=True,
    tags=("storage", "network", "public"),
)
def azure_storage_network_default_allow(resource, graph):
    if resource.type == "azurerm_storage_account_network_rules":
        if str(resource.get("default_action")).lower() == "allow":
            return Fail("default_action", 'network rules default_action = "Allow": every network is admitted')
        return None
    if _public_network_off(resource):
        return None
    block = first_block(resource, "network_rules")
    if block is not None:
        if str(resource.get(f"{block}.default_action")).lower() == "allow":
            return Fail(f"{block}.default_action", 'network_rules default_action = "Allow": every network is admitted')
        return None
    if linked(graph, resource, "azurerm_storage_account_network_rules", "storage_account_id", "storage_account_name"):
        return None  # judged on the network rules resource
    at = written(resource, "network_rules")
    return Fail(at, "no network_rules and public network access on: the account accepts connections from any network")


# low: shared keys are full-account credentials, but using them still needs the key
@check(
    id="IG-AZR-013",
    title="Storage account allows Shared Key authorization",
    severity="low",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-798",
    description="shared_access_key_enabled defaults to true: the two account keys (and every SAS signed with them) "
    "grant full access to all data, cannot be scoped to a person, and are not recorded by identity in the logs.",
    remediation="Set shared_access_key_enabled = false and authorise with Microsoft Entra ID roles "
    "(storage_use_azuread = true in the provider block lets Terraform itself do the same).",
    example=ACCOUNT_EXAMPLE_HEAD + "  shared_access_key_enabled = false\n}",
    tags=("storage", "iam"),
    fix=SetValue(
        "shared_access_key_enabled",
        False,
        unsafe="clients that sign requests with the account keys or key-signed SAS tokens are refused (Terraform "
        "too, unless the provider sets storage_use_azuread)",
    ),
)
def azure_storage_shared_key(resource):
    if is_false(resource.get("shared_access_key_enabled")):
        return None
    at = written(resource, "shared_access_key_enabled")
    return Fail(at, "Shared Key authorization is enabled: the account keys grant full access to all data")


# low: defence in depth on top of the service-side encryption that is always on
@check(
    id="IG-AZR-014",
    title="Storage account has no infrastructure (double) encryption",
    severity="low",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-311",
    description="infrastructure_encryption_enabled defaults to false: data is encrypted once at the service "
    "level only. A second layer at the infrastructure level, with a different key and algorithm, protects "
    "against a compromise of one of them. It can only be chosen when the account is created.",
    remediation="Set infrastructure_encryption_enabled = true on new StorageV2 (or Premium BlockBlobStorage / "
    "FileStorage) accounts.",
    example=ACCOUNT_EXAMPLE_HEAD + "  infrastructure_encryption_enabled = true\n}",
    tags=("storage", "encryption"),
    fix=SetValue(
        "infrastructure_encryption_enabled",
        True,
        unsafe="infrastructure_encryption_enabled forces a new storage account: Terraform replaces the account and "
        "its data",
    ),
)
def azure_storage_infrastructure_encryption(resource):
    kind, tier = _kind(resource), str(resource.get("account_tier", "Standard"))
    if not (kind == "StorageV2" or (tier == "Premium" and kind in ("BlockBlobStorage", "FileStorage"))):
        return None  # the provider rejects the setting for other kinds
    if is_true(resource.get("infrastructure_encryption_enabled")):
        return None
    at = written(resource, "infrastructure_encryption_enabled")
    return Fail(at, "infrastructure encryption is off: data at rest is encrypted only once")


# low: data is encrypted with Microsoft-managed keys; CMK adds control over key lifecycle and revocation
@check(
    id="IG-AZR-015",
    title="Storage account is not encrypted with a customer-managed key",
    severity="low",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-320",
    description="Without a customer_managed_key block or an azurerm_storage_account_customer_managed_key resource "
    "the account uses Microsoft-managed keys: you cannot rotate, audit the use of, or revoke the key that "
    "protects the data.",
    remediation="Add a customer_managed_key block (with a user-assigned identity) or an "
    "azurerm_storage_account_customer_managed_key resource pointing at a Key Vault key.",
    example='resource "azurerm_storage_account_customer_managed_key" "main" {\n'
    "  storage_account_id = azurerm_storage_account.main.id\n  key_vault_id       = azurerm_key_vault.main.id\n"
    "  key_name           = azurerm_key_vault_key.storage.name\n}",
    graph=True,
    tags=("storage", "encryption"),
)
def azure_storage_no_cmk(resource, graph):
    if first_block(resource, "customer_managed_key") is not None:
        return None
    if linked(graph, resource, "azurerm_storage_account_customer_managed_key", "storage_account_id"):
        return None
    at = written(resource, "customer_managed_key")
    return Fail(at, "no customer-managed key: data is encrypted with Microsoft-managed keys only")


# medium: logging turned off removes the record of who read, wrote or deleted queue messages
@check(
    id="IG-AZR-016",
    title="Storage queue logging leaves out reads, writes or deletes",
    severity="medium",
    framework="terraform",
    types=[ACCOUNT, "azurerm_storage_account_queue_properties"],
    cwe="CWE-778",
    description="A queue_properties logging block with read, write or delete set to false stops Storage Analytics "
    "from recording those requests, so misuse of the queue service cannot be investigated afterwards.",
    remediation="Set read, write and delete to true in the logging block (with a retention_policy_days), or "
    "send the queue service's StorageRead/StorageWrite/StorageDelete logs to a diagnostic setting.",
    example=ACCOUNT_EXAMPLE_HEAD + '\n  queue_properties {\n    logging {\n      version               = "1.0"\n'
    "      read                  = true\n      write                 = true\n      delete                = true\n"
    "      retention_policy_days = 90\n    }\n  }\n}",
    tags=("storage", "logging"),
)
def azure_storage_queue_logging(resource):
    base = (
        "" if resource.type == "azurerm_storage_account_queue_properties" else first_block(resource, "queue_properties")
    )
    if base is None:
        return None
    logging = first_block(resource, f"{base}.logging" if base else "logging")
    if logging is None:
        return None
    off = [op for op in ("read", "write", "delete") if is_false(resource.get(f"{logging}.{op}"))]
    if off:
        return Fail(f"{logging}.{off[0]}", f"queue logging does not record {' and '.join(off)} requests")
    return None


# medium: without soft delete an overwritten or deleted blob (ransomware, a bad script) is gone for good
@check(
    id="IG-AZR-017",
    title="Storage account has no blob soft delete",
    severity="medium",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-693",
    description="Without blob_properties.delete_retention_policy, deleted blobs are removed at once: a compromised "
    "key, a ransomware run or a mistaken script destroys data with no way to recover it. Not reported for "
    "FileStorage and NFS 3.0 accounts, which cannot have it.",
    remediation="Add blob_properties { delete_retention_policy { days = 7 } } (or more days).",
    example=ACCOUNT_EXAMPLE_HEAD
    + "\n  blob_properties {\n    delete_retention_policy {\n      days = 14\n    }\n  }\n}",
    tags=("storage", "backup"),
    # safe: deleted blobs are kept 7 days (the provider's default) and billed meanwhile; nothing that works stops
    # working
    fix=SetValue("blob_properties.0.delete_retention_policy.0.days", 7),
)
def azure_storage_blob_soft_delete(resource):
    if not _has_blobs(resource):
        return None
    blob = first_block(resource, "blob_properties")
    if blob is not None and first_block(resource, f"{blob}.delete_retention_policy") is not None:
        return None
    at = written(resource, f"{blob}.delete_retention_policy", blob) if blob else written(resource, "blob_properties")
    return Fail(at, "no blob delete_retention_policy: deleted blobs cannot be recovered")


# low: recovery control for whole containers; blob-level soft delete is IG-AZR-017
@check(
    id="IG-AZR-018",
    title="Storage account has no container soft delete",
    severity="low",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-693",
    description="Without blob_properties.container_delete_retention_policy a deleted container, and every blob in "
    "it, is removed at once and cannot be restored. Not reported for FileStorage and NFS 3.0 accounts.",
    remediation="Add blob_properties { container_delete_retention_policy { days = 7 } } (or more days).",
    example=ACCOUNT_EXAMPLE_HEAD + "\n  blob_properties {\n    container_delete_retention_policy {\n      days = 14\n"
    "    }\n  }\n}",
    tags=("storage", "backup"),
    # safe: deleted containers are kept 7 days (the provider's default); nothing that works stops working
    fix=SetValue("blob_properties.0.container_delete_retention_policy.0.days", 7),
)
def azure_storage_container_soft_delete(resource):
    if not _has_blobs(resource):
        return None
    blob = first_block(resource, "blob_properties")
    if blob is not None and first_block(resource, f"{blob}.container_delete_retention_policy") is not None:
        return None
    at = (
        written(resource, f"{blob}.container_delete_retention_policy", blob)
        if blob
        else written(resource, "blob_properties")
    )
    return Fail(at, "no container_delete_retention_policy: deleted containers cannot be recovered")


# low: bounds the lifetime of SAS tokens that are leaked; no exposure by itself
@check(
    id="IG-AZR-019",
    title="Storage account sets no SAS expiration policy",
    severity="low",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-613",
    description="Without a sas_policy, shared access signatures signed with the account keys may be valid for "
    "years; a leaked long-lived SAS URL gives access until the key is rotated. Not reported when Shared Key "
    "authorization is disabled, since such SAS tokens are then refused.",
    remediation='Add sas_policy { expiration_period = "01.00:00:00" } (days.hours:minutes:seconds) with '
    'expiration_action = "Log" or "Block".',
    example=ACCOUNT_EXAMPLE_HEAD + '\n  sas_policy {\n    expiration_period = "01.00:00:00"\n'
    '    expiration_action = "Log"\n  }\n}',
    tags=("storage", "iam"),
)
def azure_storage_sas_policy(resource):
    if is_false(resource.get("shared_access_key_enabled")):
        return None
    if first_block(resource, "sas_policy") is not None:
        return None
    return Fail(written(resource, "sas_policy"), "no sas_policy: account SAS tokens may be issued with any lifetime")


# low: recovery control for overwritten blobs
@check(
    id="IG-AZR-020",
    title="Storage account does not version blobs",
    severity="low",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-693",
    description="versioning_enabled defaults to false: an overwritten blob loses its previous content, so data "
    "altered by an attacker or a faulty job cannot be restored. Not reported for kinds that do not support "
    "versioning (Storage v1, FileStorage, premium page blob StorageV2), NFS 3.0 accounts or accounts with a "
    "hierarchical namespace.",
    remediation="Set blob_properties { versioning_enabled = true } (with a lifecycle rule to expire old versions).",
    example=ACCOUNT_EXAMPLE_HEAD + "\n  blob_properties {\n    versioning_enabled = true\n  }\n}",
    tags=("storage", "backup"),
    fix=SetValue(
        "blob_properties.0.versioning_enabled",
        True,
        unsafe="every overwrite and delete keeps a billed previous version: without a lifecycle rule that expires "
        "them, storage costs keep growing",
    ),
)
def azure_storage_versioning(resource):
    page_blobs_only = _kind(resource) == "StorageV2" and str(resource.get("account_tier")) == "Premium"
    if _kind(resource) == "Storage" or page_blobs_only or not _has_blobs(resource):
        return None
    if is_true(resource.get("is_hns_enabled")):
        return None
    blob = first_block(resource, "blob_properties")
    if blob is not None and is_true(resource.get(f"{blob}.versioning_enabled")):
        return None
    at = written(resource, f"{blob}.versioning_enabled", blob) if blob else None
    return Fail(at, "blob versioning is off: overwritten blobs cannot be restored")


# low: replication to another tenant needs a policy set by an account administrator, but data then leaves the tenant
@check(
    id="IG-AZR-021",
    title="Storage account allows object replication to other tenants",
    severity="low",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-668",
    description="With cross_tenant_replication_enabled, an object replication policy can copy every blob to an "
    "account in another Microsoft Entra tenant, an exfiltration path outside your organisation's control. "
    "Left out, it defaults to true in azurerm 3.x and false from 4.0: an omitted value is judged by the "
    "provider versions the configuration allows (unknown when they include both).",
    remediation="Set cross_tenant_replication_enabled = false.",
    example=ACCOUNT_EXAMPLE_HEAD + "  cross_tenant_replication_enabled = false\n}",
    tags=("storage",),
    # safe: Azure refuses the change while the account takes part in a cross-tenant replication policy, so no running
    # replication stops unnoticed
    fix=SetValue("cross_tenant_replication_enabled", False),
)
def azure_storage_cross_tenant_replication(resource):
    enabled = value_or_default(resource, "cross_tenant_replication_enabled", CROSS_TENANT_DEFAULT)
    if not is_true(enabled):
        return None
    if resource.get("cross_tenant_replication_enabled") is None:
        return Fail(
            written(resource, "cross_tenant_replication_enabled"),
            "cross_tenant_replication_enabled is not set and defaults to true in azurerm 3.x, which the provider "
            "constraint selects",
        )
    return Fail("cross_tenant_replication_enabled", "cross-tenant object replication is allowed")


# low: the public endpoint stays the only path; exposure itself is judged by IG-AZR-012
@check(
    id="IG-AZR-022",
    title="Storage account has public network access and no private endpoint",
    severity="low",
    framework="terraform",
    types=[ACCOUNT],
    cwe="CWE-668",
    description="An account with public network access on (the default) and no azurerm_private_endpoint "
    "connected to it is only reachable over its public endpoint, so clients in your virtual networks reach it "
    "across the internet edge and the public endpoint cannot be switched off without breaking them.",
    remediation="Connect the account with an azurerm_private_endpoint (subresource blob, file, ...), then set "
    "public_network_access_enabled = false.",
    example='resource "azurerm_private_endpoint" "storage_blob" {\n  name                = "pe-acmeprod-blob"\n'
    '  location            = "westeurope"\n  resource_group_name = azurerm_resource_group.main.name\n'
    "  subnet_id           = azurerm_subnet.endpoints.id\n\n  private_service_connection {\n"
    '    name                           = "acmeprod-blob"\n'
    "    private_connection_resource_id = azurerm_storage_account.main.id\n"
    '    subresource_names              = ["blob"]\n    is_manual_connection           = false\n  }\n}',
    graph=True,
    tags=("storage", "network"),
)
def azure_storage_no_private_endpoint(resource, graph):
    if _public_network_off(resource):
        return None
    if linked(graph, resource, "azurerm_private_endpoint", "private_service_connection"):
        return None
    at = written(resource, "public_network_access_enabled")
    return Fail(at, "public network access is on and no private endpoint connects to the account")
