"""Azure compute and container checks (azurerm): VMs and scale sets, managed disks, AKS, Container
Registry, Container Instances, App Service and Function Apps.

AKS RBAC and local accounts are IG-AZR-009/010 in checks/terraform_azure.py. App Service resources come
in two generations: azurerm_{linux,windows}_{web,function}_app (and slots), and the legacy
azurerm_app_service / azurerm_function_app (removed in azurerm 4.0/5.0) whose site_config names differ.
"""

from __future__ import annotations

import re

from checks._helpers import (
    Verdict,
    any_value,
    block_paths,
    element_paths,
    first_block,
    is_false,
    is_true,
    is_world_cidr,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

AKS = "azurerm_kubernetes_cluster"
ACR = "azurerm_container_registry"
AKS_EXAMPLE = (
    'resource "azurerm_kubernetes_cluster" "main" {\n  name                   = "aks-prod"\n'
    '  location               = "westeurope"\n  resource_group_name    = azurerm_resource_group.main.name\n'
    '  dns_prefix             = "aks-prod"\n  private_cluster_enabled = true\n'
    "  azure_policy_enabled   = true\n  local_account_disabled = true\n\n  default_node_pool {\n"
    '    name       = "system"\n    vm_size    = "Standard_D4s_v5"\n    node_count = 3\n  }\n\n'
    "  azure_active_directory_role_based_access_control {\n    azure_rbac_enabled = true\n  }\n\n"
    '  network_profile {\n    network_plugin = "azure"\n    network_policy = "cilium"\n'
    '    network_data_plane = "cilium"\n  }\n\n  oms_agent {\n'
    "    log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id\n  }\n\n"
    '  identity {\n    type = "SystemAssigned"\n  }\n}'
)


# medium: password logins on an SSH endpoint invite brute force; keys cannot be guessed
@check(
    id="IG-AZR-066",
    title="Linux VM or scale set allows SSH password authentication",
    severity="medium",
    framework="terraform",
    types=["azurerm_linux_virtual_machine", "azurerm_linux_virtual_machine_scale_set", "azurerm_virtual_machine"],
    cwe="CWE-309",
    description="disable_password_authentication = false lets the admin user (and any user given a password) log "
    "in over SSH with a password, which can be guessed, sprayed or reused from another breach; SSH keys cannot.",
    remediation="Set disable_password_authentication = true (the default on azurerm_linux_virtual_machine) and "
    "give the admin user an admin_ssh_key; prefer Microsoft Entra login for Linux.",
    example='resource "azurerm_linux_virtual_machine" "app" {\n  name                            = "vm-app-01"\n'
    "  resource_group_name             = azurerm_resource_group.main.name\n"
    '  location                        = "westeurope"\n  size                            = "Standard_D2s_v5"\n'
    '  admin_username                  = "azureuser"\n  disable_password_authentication = true\n'
    "  network_interface_ids           = [azurerm_network_interface.app.id]\n\n  admin_ssh_key {\n"
    '    username   = "azureuser"\n    public_key = file("~/.ssh/id_ed25519.pub")\n  }\n}',
    tags=("compute", "iam"),
)
def azure_vm_password_auth(resource):
    if resource.type == "azurerm_virtual_machine":
        verdict = Verdict()
        for block in block_paths(resource, "os_profile_linux_config", verdict):
            with verdict.item():
                if is_false(resource.get(f"{block}.disable_password_authentication")):
                    verdict.fail(f"{block}.disable_password_authentication", "SSH password authentication is enabled")
        return verdict.result()
    if is_false(resource.get("disable_password_authentication")):
        return Fail("disable_password_authentication", "SSH password authentication is enabled")
    return None


VM_DISK_TYPES = [
    "azurerm_linux_virtual_machine",
    "azurerm_windows_virtual_machine",
    "azurerm_linux_virtual_machine_scale_set",
    "azurerm_windows_virtual_machine_scale_set",
    "azurerm_orchestrated_virtual_machine_scale_set",
]


# low: managed disks are encrypted at rest by the storage service anyway; temp disks and caches are not
@check(
    id="IG-AZR-067",
    title="VM or scale set does not use encryption at host",
    severity="low",
    framework="terraform",
    types=VM_DISK_TYPES,
    cwe="CWE-311",
    description="Without encryption_at_host_enabled = true, the VM's temporary disk and the OS/data disk caches on "
    "the host are not encrypted; only the managed disks at rest are (by the storage service).",
    remediation="Register the EncryptionAtHost feature on the subscription and set encryption_at_host_enabled = true.",
    example='resource "azurerm_windows_virtual_machine" "app" {\n  name                       = "vm-app-01"\n'
    "  resource_group_name        = azurerm_resource_group.main.name\n"
    '  location                   = "westeurope"\n  size                       = "Standard_D2s_v5"\n'
    '  admin_username             = "azureadmin"\n  admin_password             = var.admin_password\n'
    "  encryption_at_host_enabled = true\n"
    "  network_interface_ids      = [azurerm_network_interface.app.id]\n}",
    tags=("compute", "encryption"),
    fix=SetValue(
        "encryption_at_host_enabled",
        True,
        unsafe="needs the EncryptionAtHost feature registered on the subscription, and Azure changes it only on a "
        "deallocated VM: the provider stops the VM",
    ),
)
def azure_vm_encryption_at_host(resource):
    if is_true(resource.get("encryption_at_host_enabled")):
        return None
    return Fail(
        written(resource, "encryption_at_host_enabled"),
        "encryption at host is off: temp disk and caches are unencrypted",
    )


# low: a disk export SAS generated by someone with access works from any network
@check(
    id="IG-AZR-068",
    title="Managed disk can be exported from any network",
    severity="low",
    framework="terraform",
    types=["azurerm_managed_disk"],
    cwe="CWE-668",
    description="network_access_policy defaults to AllowAll (with public_network_access_enabled true): a SAS URL "
    "for importing or exporting the disk can be used from anywhere on the internet, so a leaked or over-shared "
    "export link copies the whole disk.",
    remediation='Set network_access_policy = "DenyAll" (or "AllowPrivate" with a disk_access_id) and '
    "public_network_access_enabled = false.",
    example='resource "azurerm_managed_disk" "data" {\n  name                          = "disk-app-data"\n'
    '  location                      = "westeurope"\n'
    "  resource_group_name           = azurerm_resource_group.main.name\n"
    '  storage_account_type          = "Premium_LRS"\n  create_option                 = "Empty"\n'
    '  disk_size_gb                  = 256\n  network_access_policy         = "DenyAll"\n'
    "  public_network_access_enabled = false\n}",
    tags=("compute", "storage"),
    fix=SetValue(
        "network_access_policy",
        "DenyAll",
        unsafe="disk export and import SAS URLs stop working from every network (copies or backups that export the "
        "disk)",
    ),
)
def azure_managed_disk_export(resource):
    if is_false(resource.get("public_network_access_enabled")):
        return None
    policy = resource.get("network_access_policy")
    if policy is None or str(policy) == "AllowAll":
        return Fail(written(resource, "network_access_policy"), "the disk can be exported or imported from any network")
    return None


def _authorized_ranges(resource: Resource) -> tuple[str | None, list[str]]:
    """(attribute path, ranges) of the API server authorized IP ranges (azurerm 3.x and 4.x spellings)."""
    profile = first_block(resource, "api_server_access_profile")
    for path in ([f"{profile}.authorized_ip_ranges"] if profile else []) + ["api_server_authorized_ip_ranges"]:
        elements = element_paths(resource, path)
        if elements:
            return path, [str(resource.get(e)) for e in elements]
    return None, []


# medium: the Kubernetes API is reachable from the whole internet (authentication still required)
@check(
    id="IG-AZR-069",
    title="AKS API server is reachable from the whole internet",
    severity="medium",
    framework="terraform",
    types=[AKS],
    cwe="CWE-284",
    description="A cluster that is not private and has no authorized IP ranges (or one of 0.0.0.0/0) exposes its "
    "API server to every address: stolen kubeconfigs and tokens work from anywhere, and API server "
    "vulnerabilities can be probed by anyone.",
    remediation="Set private_cluster_enabled = true, or api_server_access_profile { authorized_ip_ranges = "
    "[...] } with your egress and office ranges.",
    example=AKS_EXAMPLE,
    tags=("kubernetes", "network", "public"),
)
def azure_aks_public_api(resource):
    if is_true(resource.get("private_cluster_enabled")):
        return None
    path, ranges = _authorized_ranges(resource)
    open_range = next((r for r in ranges if is_world_cidr(r)), None)
    if open_range is not None:
        return Fail(path, f"authorized IP ranges include {open_range}")
    if ranges:
        return None
    return Fail(written(resource, "private_cluster_enabled"), "public API server with no authorized IP ranges")


# medium: any compromised pod can reach every other pod and service in the cluster
@check(
    id="IG-AZR-070",
    title="AKS cluster has no network policy engine",
    severity="medium",
    framework="terraform",
    types=[AKS],
    cwe="CWE-284",
    description="Without network_profile.network_policy (azure, calico or cilium), Kubernetes NetworkPolicy objects "
    "are ignored: pod-to-pod traffic cannot be restricted, so one compromised workload reaches every database "
    "and internal API in the cluster. It can only be chosen when the cluster is created.",
    remediation='Set network_profile { network_policy = "cilium" } (or "azure"/"calico") and write NetworkPolicies.',
    example=AKS_EXAMPLE,
    tags=("kubernetes", "network"),
)
def azure_aks_network_policy(resource):
    profile = first_block(resource, "network_profile")
    if profile is not None and resource.get(f"{profile}.network_policy") not in (None, "", "none"):
        return None
    if profile is not None and str(resource.get(f"{profile}.network_plugin")).lower() == "none":
        return None  # bring-your-own CNI: policy enforcement comes with the CNI installed afterwards
    at = written(resource, f"{profile}.network_policy", profile) if profile else None
    return Fail(at, "no network policy engine: NetworkPolicies are not enforced")


# medium: cluster access relies on certificates and tokens instead of Entra identities, MFA and groups
@check(
    id="IG-AZR-071",
    title="AKS cluster is not integrated with Microsoft Entra ID",
    severity="medium",
    framework="terraform",
    types=[AKS],
    cwe="CWE-287",
    description="Without an azure_active_directory_role_based_access_control block, users authenticate to the "
    "API server with client certificates from az aks get-credentials: no MFA, no conditional access, and "
    "access cannot be revoked per person.",
    remediation="Add azure_active_directory_role_based_access_control { azure_rbac_enabled = true } (or "
    "admin_group_object_ids) and disable local accounts (IG-AZR-010).",
    example=AKS_EXAMPLE,
    tags=("kubernetes", "iam"),
)
def azure_aks_entra(resource):
    if first_block(resource, "azure_active_directory_role_based_access_control") is not None:
        return None
    legacy = first_block(resource, "role_based_access_control")  # azurerm 2.x
    if legacy is not None and first_block(resource, f"{legacy}.azure_active_directory") is not None:
        return None
    at = written(resource, "azure_active_directory_role_based_access_control")  # an empty dynamic block's line
    return Fail(at, "no Microsoft Entra ID integration for cluster authentication")


# low: governance guard rail (privileged pods, host paths...) missing; not an exposure by itself
@check(
    id="IG-AZR-072",
    title="AKS cluster has the Azure Policy add-on disabled",
    severity="low",
    framework="terraform",
    types=[AKS],
    cwe="CWE-693",
    description="Without azure_policy_enabled = true, Azure Policy cannot audit or deny insecure workloads "
    "(privileged containers, host namespaces, images from untrusted registries) at admission.",
    remediation="Set azure_policy_enabled = true and assign the Kubernetes policy initiatives.",
    example=AKS_EXAMPLE,
    tags=("kubernetes",),
)
def azure_aks_azure_policy(resource):
    if is_true(resource.get("azure_policy_enabled")):
        return None
    addon = first_block(resource, "addon_profile")  # azurerm 2.x
    policy = first_block(resource, f"{addon}.azure_policy") if addon else None
    if policy is not None and is_true(resource.get(f"{policy}.enabled")):
        return None
    return Fail(written(resource, "azure_policy_enabled"), "the Azure Policy add-on is not enabled")


# low: container logs and metrics are not collected for investigation
@check(
    id="IG-AZR-073",
    title="AKS cluster does not send container logs to Log Analytics",
    severity="low",
    framework="terraform",
    types=[AKS],
    cwe="CWE-778",
    description="Without an oms_agent block (Container Insights), container logs, node and pod metrics and "
    "Kubernetes events are not kept outside the cluster, so an attacker who deletes pods removes the evidence.",
    remediation="Add oms_agent { log_analytics_workspace_id = ... , msi_auth_for_monitoring_enabled = true }.",
    example=AKS_EXAMPLE,
    tags=("kubernetes", "logging"),
)
def azure_aks_monitoring(resource):
    if first_block(resource, "oms_agent") is not None:
        return None
    addon = first_block(resource, "addon_profile")  # azurerm 2.x
    agent = first_block(resource, f"{addon}.oms_agent") if addon else None
    if agent is not None and is_true(resource.get(f"{agent}.enabled")):
        return None
    return Fail(written(resource, "oms_agent"), "no oms_agent: container logs are not sent to Log Analytics")


NODE_POOL_TYPES = [AKS, "azurerm_kubernetes_cluster_node_pool"]


# medium: every node is directly addressable from the internet
@check(
    id="IG-AZR-074",
    title="AKS nodes have public IP addresses",
    severity="medium",
    framework="terraform",
    types=NODE_POOL_TYPES,
    cwe="CWE-668",
    description="node_public_ip_enabled (enable_node_public_ip before azurerm 4.0) = true gives every node of the "
    "pool its own public IP, so the kubelet, NodePorts and anything listening on the host face the internet.",
    remediation="Set node_public_ip_enabled = false and expose workloads through a load balancer or ingress.",
    example=AKS_EXAMPLE,
    tags=("kubernetes", "network", "public"),
)
def azure_aks_node_public_ip(resource):
    base = first_block(resource, "default_node_pool") if resource.type == AKS else ""
    if base is None:
        return None
    p = f"{base}." if base else ""
    for name in ("node_public_ip_enabled", "enable_node_public_ip"):
        if is_true(resource.get(f"{p}{name}")):
            return Fail(f"{p}{name}", "nodes of this pool get public IP addresses")
    return None


# low: a preview add-on not meant for production that publishes services on public DNS names
@check(
    id="IG-AZR-075",
    title="AKS HTTP application routing add-on is enabled",
    severity="low",
    framework="terraform",
    types=[AKS],
    cwe="CWE-668",
    description="http_application_routing_enabled = true installs an ingress controller that publishes services "
    "on a public DNS zone; Microsoft documents it as not for production and it is retired in favour of the "
    "application routing add-on.",
    remediation="Remove http_application_routing_enabled and use the web_app_routing block or your own ingress "
    "controller.",
    example=AKS_EXAMPLE,
    tags=("kubernetes", "public"),
    fix=SetValue(
        "http_application_routing_enabled",
        False,
        unsafe="removes the add-on's ingress controller and DNS zone: services published through it become unreachable",
    ),
)
def azure_aks_http_routing(resource):
    if is_true(resource.get("http_application_routing_enabled")):
        return Fail("http_application_routing_enabled", "the HTTP application routing add-on is enabled")
    return None


ACR_EXAMPLE = (
    'resource "azurerm_container_registry" "main" {\n  name                          = "acmeprodacr"\n'
    "  resource_group_name           = azurerm_resource_group.main.name\n"
    '  location                      = "westeurope"\n  sku                           = "Premium"\n'
    "  admin_enabled                 = false\n  anonymous_pull_enabled        = false\n"
    "  public_network_access_enabled = false\n  quarantine_policy_enabled     = true\n}"
)


# medium: a shared static username/password with push and pull rights on every repository
@check(
    id="IG-AZR-076",
    title="Container registry admin user is enabled",
    severity="medium",
    framework="terraform",
    types=[ACR],
    cwe="CWE-798",
    description="admin_enabled = true creates a registry-wide username and password with push and pull rights "
    "that cannot be scoped, audited per person or protected by MFA; anyone holding it can push a backdoored "
    "image.",
    remediation="Set admin_enabled = false and use managed identities or service principals with AcrPull/AcrPush "
    "(or repository-scoped tokens).",
    example=ACR_EXAMPLE,
    tags=("containers", "iam"),
    fix=SetValue(
        "admin_enabled",
        False,
        unsafe="clients that log in with the admin username and password (pipelines, App Service, docker login) can "
        "no longer push or pull",
    ),
)
def azure_acr_admin(resource):
    if is_true(resource.get("admin_enabled")):
        return Fail("admin_enabled", "the registry admin user is enabled")
    return None


# high: anyone on the internet can pull every image, with the code and secrets baked into it
@check(
    id="IG-AZR-077",
    title="Container registry allows anonymous pull",
    severity="high",
    framework="terraform",
    types=[ACR],
    cwe="CWE-306",
    description="anonymous_pull_enabled = true lets anyone pull any image without credentials: application "
    "code, internal tooling and any secret accidentally baked into a layer become public.",
    remediation="Set anonymous_pull_enabled = false; publish public images to a separate registry meant for it.",
    example=ACR_EXAMPLE,
    tags=("containers", "public"),
    fix=SetValue("anonymous_pull_enabled", False, unsafe="clients that pull without credentials are refused"),
)
def azure_acr_anonymous_pull(resource):
    if is_true(resource.get("anonymous_pull_enabled")):
        return Fail("anonymous_pull_enabled", "anonymous (unauthenticated) pull is enabled")
    return None


def _sku(resource: Resource) -> str:
    return str(resource.get("sku", "")).lower()


# low: the registry endpoint accepts authenticated requests from any network
@check(
    id="IG-AZR-078",
    title="Premium container registry accepts connections from all networks",
    severity="low",
    framework="terraform",
    types=[ACR],
    cwe="CWE-284",
    description="A Premium registry (the only SKU with network restrictions) with public network access on and no "
    "network_rule_set defaulting to Deny accepts pushes and pulls from anywhere, so leaked credentials work "
    "from any network.",
    remediation="Set public_network_access_enabled = false and use private endpoints, or network_rule_set { "
    'default_action = "Deny" } with ip_rule blocks.',
    example=ACR_EXAMPLE,
    tags=("containers", "network"),
)
def azure_acr_network(resource):
    if _sku(resource) != "premium" or is_false(resource.get("public_network_access_enabled")):
        return None
    rules = first_block(resource, "network_rule_set")
    if rules is not None and str(resource.get(f"{rules}.default_action", "Allow")).lower() == "deny":
        return None
    at = (
        written(resource, f"{rules}.default_action", rules)
        if rules
        else written(resource, "public_network_access_enabled")
    )
    return Fail(at, "public network access with no default-deny network rule set")


# low: defence in depth against pulling images before they are scanned
@check(
    id="IG-AZR-079",
    title="Premium container registry has no quarantine policy",
    severity="low",
    framework="terraform",
    types=[ACR],
    cwe="CWE-693",
    description="Without quarantine_policy_enabled, a pushed image can be pulled immediately, before a "
    "vulnerability scanner has checked and released it. Only Premium registries support quarantine.",
    remediation="Set quarantine_policy_enabled = true and release images from your scanning pipeline.",
    example=ACR_EXAMPLE,
    tags=("containers",),
    fix=SetValue(
        "quarantine_policy_enabled",
        True,
        unsafe="pushed images cannot be pulled until a scanner releases them: deployments wait if nothing releases "
        "images",
    ),
)
def azure_acr_quarantine(resource):
    if _sku(resource) != "premium" or is_true(resource.get("quarantine_policy_enabled")):
        return None
    return Fail(written(resource, "quarantine_policy_enabled"), "no quarantine policy: unscanned images can be pulled")


CONTAINER_GROUP = "azurerm_container_group"


# low: the containers' ports are published on an internet address
@check(
    id="IG-AZR-080",
    title="Container group has a public IP address",
    severity="low",
    framework="terraform",
    types=[CONTAINER_GROUP],
    cwe="CWE-668",
    description='ip_address_type defaults to "Public": every exposed port of the group is reachable from the '
    "internet with no NSG in front of it.",
    remediation='Set ip_address_type = "Private" with subnet_ids, and publish through an Application Gateway if '
    "needed.",
    example='resource "azurerm_container_group" "worker" {\n  name                = "aci-worker"\n'
    '  location            = "westeurope"\n  resource_group_name = azurerm_resource_group.main.name\n'
    '  os_type             = "Linux"\n  ip_address_type     = "Private"\n'
    "  subnet_ids          = [azurerm_subnet.aci.id]\n\n  container {\n"
    '    name   = "worker"\n    image  = "acmeprodacr.azurecr.io/worker:1.4.2"\n    cpu    = "1"\n'
    '    memory = "1.5"\n\n    ports {\n      port     = 8080\n      protocol = "TCP"\n    }\n  }\n}',
    tags=("containers", "network", "public"),
)
def azure_container_group_public(resource):
    kind = resource.get("ip_address_type", "Public")
    if str(kind).lower() == "public":
        return Fail(written(resource, "ip_address_type"), "the container group has a public IP address")
    return None


# A name that ends with a secret's kind: DB_PASSWORD, CLIENT_SECRET, GITHUB_TOKEN, STORAGE_CONNECTION_STRING.
SECRET_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|ACCOUNT_?KEY|CONNECTION_?STRING|"
    r"CONN_?STR|SAS)$",
    re.IGNORECASE,
)


# medium: plain environment variables are shown in clear by the portal, CLI and API to any reader
@check(
    id="IG-AZR-081",
    title="Container group passes a secret in a plain environment variable",
    severity="medium",
    framework="terraform",
    types=[CONTAINER_GROUP],
    cwe="CWE-312",
    description="Values in environment_variables are returned in clear by the Azure API, CLI and portal to "
    "anyone with read access to the container group; a variable named like a password, token, key or "
    "connection string belongs in secure_environment_variables (or Key Vault).",
    remediation="Move the variable to secure_environment_variables, or fetch the secret at runtime with a "
    "managed identity from Key Vault.",
    example='resource "azurerm_container_group" "worker" {\n  name                = "aci-worker"\n'
    '  location            = "westeurope"\n  resource_group_name = azurerm_resource_group.main.name\n'
    '  os_type             = "Linux"\n  ip_address_type     = "None"\n\n  container {\n'
    '    name   = "worker"\n    image  = "acmeprodacr.azurecr.io/worker:1.4.2"\n    cpu    = "1"\n'
    '    memory = "1.5"\n\n    environment_variables = {\n      LOG_LEVEL = "info"\n    }\n\n'
    "    secure_environment_variables = {\n      DB_PASSWORD = var.db_password\n    }\n  }\n}",
    tags=("containers", "secrets"),
)
def azure_container_group_plain_secret(resource):
    verdict = Verdict()
    containers = block_paths(resource, "container", verdict) + block_paths(resource, "init_container", verdict)
    for container in containers:
        with verdict.item():
            variables = resource.get(f"{container}.environment_variables")
            if not isinstance(variables, dict):
                continue
            for name in sorted(variables):
                if SECRET_NAME.search(name):
                    verdict.fail(
                        f"{container}.environment_variables.{name}",
                        f"environment variable {name} looks like a secret and is readable in clear",
                    )
    return verdict.result()


NEW_APPS = [
    "azurerm_linux_web_app",
    "azurerm_windows_web_app",
    "azurerm_linux_function_app",
    "azurerm_windows_function_app",
    "azurerm_linux_web_app_slot",
    "azurerm_windows_web_app_slot",
    "azurerm_linux_function_app_slot",
    "azurerm_windows_function_app_slot",
]
LEGACY_WEB = ["azurerm_app_service", "azurerm_app_service_slot"]
LEGACY_FUNCTIONS = ["azurerm_function_app", "azurerm_function_app_slot"]
ALL_APPS = NEW_APPS + LEGACY_WEB + LEGACY_FUNCTIONS
WEB_APPS = [t for t in NEW_APPS if "_web_app" in t] + LEGACY_WEB
APP_EXAMPLE = (
    'resource "azurerm_linux_web_app" "portal" {\n  name                       = "acme-portal"\n'
    "  resource_group_name        = azurerm_resource_group.main.name\n"
    '  location                   = "westeurope"\n  service_plan_id            = azurerm_service_plan.main.id\n'
    "  https_only                 = true\n  client_certificate_enabled = true\n"
    '  client_certificate_mode    = "Required"\n'
    "  ftp_publish_basic_authentication_enabled       = false\n"
    "  webdeploy_publish_basic_authentication_enabled = false\n\n"
    '  site_config {\n    minimum_tls_version      = "1.2"\n    ftps_state               = "Disabled"\n'
    "    http2_enabled            = true\n    remote_debugging_enabled = false\n\n    cors {\n"
    '      allowed_origins = ["https://www.example.com"]\n    }\n  }\n\n'
    '  identity {\n    type = "SystemAssigned"\n  }\n\n  auth_settings_v2 {\n    auth_enabled = true\n\n'
    "    login {}\n\n    active_directory_v2 {\n      client_id            = var.client_id\n"
    '      tenant_auth_endpoint = "https://login.microsoftonline.com/${var.tenant_id}/v2.0"\n    }\n  }\n}'
)


def _site_config(resource: Resource) -> str | None:
    return first_block(resource, "site_config")


# medium: credentials, cookies and content can be read or altered on the network
@check(
    id="IG-AZR-082",
    title="App Service or Function App accepts plain HTTP",
    severity="medium",
    framework="terraform",
    types=ALL_APPS,
    cwe="CWE-319",
    description="https_only defaults to false: the app answers on http://, so sessions, credentials and content "
    "can be intercepted or modified by anyone on the path.",
    remediation="Set https_only = true (requests on HTTP are then redirected to HTTPS).",
    example=APP_EXAMPLE,
    tags=("appservice", "encryption"),
    fix=SetValue(
        "https_only",
        True,
        unsafe="requests on http:// are redirected: clients that do not follow the redirect (webhooks, probes, POST "
        "requests) fail",
    ),
)
def azure_app_https_only(resource):
    if is_true(resource.get("https_only")):
        return None
    return Fail(written(resource, "https_only"), "the app accepts plain HTTP (https_only is not true)")


# medium: TLS 1.0/1.1 connections can be downgraded and attacked
@check(
    id="IG-AZR-083",
    title="App Service or Function App accepts TLS older than 1.2",
    severity="medium",
    framework="terraform",
    types=ALL_APPS,
    cwe="CWE-326",
    description="site_config minimum_tls_version (min_tls_version on legacy resources) or the SCM site's "
    'scm_minimum_tls_version set to "1.0" or "1.1" lets clients negotiate deprecated TLS. The default is 1.2.',
    remediation='Set minimum_tls_version = "1.2" (or "1.3") and scm_minimum_tls_version = "1.2".',
    example=APP_EXAMPLE,
    tags=("appservice", "encryption"),
)
def azure_app_old_tls(resource):
    site = _site_config(resource)
    if site is None:
        return None
    verdict = Verdict()
    names = ("minimum_tls_version", "scm_minimum_tls_version", "min_tls_version", "scm_min_tls_version")
    for name in names:
        with verdict.item():
            version = resource.get(f"{site}.{name}")
            if str(version) in ("1.0", "1.1"):
                verdict.fail(f"{site}.{name}", f"{name} is {version}")
    return verdict.result()


# medium: plain FTP sends the deployment credentials and the site's code in clear
@check(
    id="IG-AZR-084",
    title="App Service or Function App allows plain FTP",
    severity="medium",
    framework="terraform",
    types=ALL_APPS,
    cwe="CWE-319",
    description='site_config ftps_state = "AllAllowed" accepts unencrypted FTP, which sends the publishing '
    "credentials and the application's files in clear. Left out it is Disabled on the current resources and "
    "AllAllowed on the legacy azurerm_function_app; for the legacy azurerm_app_service it is Azure's choice and "
    "answered unknown.",
    remediation='Set site_config { ftps_state = "Disabled" } (or "FtpsOnly" if FTP deployment is needed).',
    example=APP_EXAMPLE,
    tags=("appservice", "encryption"),
    fix=SetValue(
        "site_config.0.ftps_state",
        "FtpsOnly",
        unsafe="deployments and tools that upload over plain FTP are refused until they use FTPS",
    ),
)
def azure_app_ftp(resource):
    site = _site_config(resource)
    state = resource.get(f"{site}.ftps_state") if site else None
    if state is None:
        if resource.type in LEGACY_FUNCTIONS:
            state = "AllAllowed"
        elif resource.type in LEGACY_WEB:
            raise UnknownValue("site_config.ftps_state", "not set: the legacy app_service leaves it to Azure")
    if str(state) == "AllAllowed":
        at = written(resource, f"{site}.ftps_state", site) if site else None
        how = "ftps_state is AllAllowed" if at and at.endswith("ftps_state") else "ftps_state defaults to AllAllowed"
        return Fail(at, f"{how}: plain FTP is accepted")
    return None


# low: mutual TLS is an extra authentication layer, needed only for some apps
@check(
    id="IG-AZR-085",
    title="App Service does not require client certificates",
    severity="low",
    framework="terraform",
    types=NEW_APPS + LEGACY_WEB,
    cwe="CWE-295",
    description="With client certificates off (client_certificate_enabled, client_cert_enabled on the legacy "
    "app_service, default false), any client that reaches the app can talk to it; requiring a certificate adds "
    "mutual TLS authentication before the application code runs.",
    remediation='Set client_certificate_enabled = true with client_certificate_mode = "Required" for apps that '
    "only known clients call (APIs, back ends).",
    example=APP_EXAMPLE,
    tags=("appservice", "iam"),
)
def azure_app_client_certs(resource):
    name = "client_cert_enabled" if resource.type in LEGACY_WEB else "client_certificate_enabled"
    if is_true(resource.get(name)):
        return None
    return Fail(written(resource, name), "client certificates are not required")


# low: without an identity the app needs stored credentials to reach other Azure services
@check(
    id="IG-AZR-086",
    title="App Service or Function App has no managed identity",
    severity="low",
    framework="terraform",
    types=ALL_APPS,
    cwe="CWE-798",
    description="Without an identity block the app cannot authenticate to Key Vault, storage or databases with "
    "Entra ID, which usually means connection strings and keys stored in app settings.",
    remediation='Add identity { type = "SystemAssigned" } (or a user-assigned identity) and grant it the roles '
    "the app needs.",
    example=APP_EXAMPLE,
    tags=("appservice", "iam"),
)
def azure_app_identity(resource):
    if first_block(resource, "identity") is not None:
        return None
    return Fail(written(resource, "identity"), "no managed identity")


# low: the platform's authentication layer is off; the app may authenticate users itself
@check(
    id="IG-AZR-087",
    title="Web app has App Service Authentication off",
    severity="low",
    framework="terraform",
    types=WEB_APPS,
    cwe="CWE-306",
    description="Without auth_settings (enabled = true) or auth_settings_v2 (auth_enabled = true), every request "
    "reaches the application anonymously unless the code itself authenticates users; the built-in layer "
    "rejects unauthenticated requests before they reach the code. Function apps are not reported: most are "
    "triggered by queues or timers, and HTTP functions have their own key-based authorization levels.",
    remediation="Add auth_settings_v2 { auth_enabled = true ... } with an identity provider (Microsoft Entra ID), "
    "or document that the app authenticates users itself.",
    example=APP_EXAMPLE,
    tags=("appservice", "iam"),
)
def azure_app_authentication(resource):
    v2 = first_block(resource, "auth_settings_v2")
    if v2 is not None and is_true(resource.get(f"{v2}.auth_enabled")):
        return None
    v1 = first_block(resource, "auth_settings")
    if v1 is not None and is_true(resource.get(f"{v1}.enabled")):
        return None
    if v2 is not None:
        return Fail(written(resource, f"{v2}.auth_enabled", v2), "App Service Authentication is off")
    if v1 is not None:
        return Fail(written(resource, f"{v1}.enabled", v1), "App Service Authentication is off")
    return Fail(None, "App Service Authentication is not configured")


# low: hygiene; HTTP/2 fixes head-of-line blocking and some HTTP/1.1 request smuggling classes
@check(
    id="IG-AZR-088",
    title="App Service or Function App does not use HTTP/2",
    severity="low",
    framework="terraform",
    types=ALL_APPS,
    cwe="CWE-693",
    description="site_config http2_enabled defaults to false: clients are served over HTTP/1.1 only, missing "
    "HTTP/2's performance and its stricter framing (no ambiguous Content-Length/Transfer-Encoding parsing).",
    remediation="Set site_config { http2_enabled = true }.",
    example=APP_EXAMPLE,
    tags=("appservice",),
    fix=SetValue(
        "site_config.0.http2_enabled",
        True,
        unsafe="with client certificates in Optional mode or with exclusion paths App Service renegotiates TLS, "
        "which HTTP/2 connections cannot do: those clients fail",
    ),
)
def azure_app_http2(resource):
    site = _site_config(resource)
    if site is not None and is_true(resource.get(f"{site}.http2_enabled")):
        return None
    at = written(resource, f"{site}.http2_enabled", site) if site else None
    return Fail(at, "HTTP/2 is not enabled")


# medium: the debugger endpoint gives code execution to whoever authenticates to it
@check(
    id="IG-AZR-089",
    title="App Service or Function App has remote debugging enabled",
    severity="medium",
    framework="terraform",
    types=ALL_APPS,
    cwe="CWE-489",
    description="site_config remote_debugging_enabled = true opens the Visual Studio remote debugger ports on the "
    "app, an extra authenticated endpoint that gives full control over the running process.",
    remediation="Set remote_debugging_enabled = false (enable it only temporarily while debugging).",
    example=APP_EXAMPLE,
    tags=("appservice",),
    # safe: only closes the Visual Studio debugger endpoint; the app itself serves as before
    fix=SetValue("site_config.0.remote_debugging_enabled", False),
)
def azure_app_remote_debugging(resource):
    site = _site_config(resource)
    if site is not None and is_true(resource.get(f"{site}.remote_debugging_enabled")):
        return Fail(f"{site}.remote_debugging_enabled", "remote debugging is enabled")
    return None


# medium: any website can call the app from a visitor's browser and read the responses
@check(
    id="IG-AZR-090",
    title='App Service or Function App allows CORS from any origin ("*")',
    severity="medium",
    framework="terraform",
    types=ALL_APPS,
    cwe="CWE-942",
    description='site_config cors allowed_origins containing "*" lets scripts on any website call the app from a '
    "visitor's browser and read the responses, so data the visitor can see can be exfiltrated by a malicious "
    "page.",
    remediation="List the exact origins of your front ends in allowed_origins.",
    example=APP_EXAMPLE,
    tags=("appservice",),
)
def azure_app_cors_any(resource):
    site = _site_config(resource)
    cors = first_block(resource, f"{site}.cors") if site else None
    if cors is None:
        return None
    path = f"{cors}.allowed_origins"
    if any_value(resource.get(path), lambda origin: str(origin).strip() == "*", path):
        return Fail(path, 'CORS allowed_origins contains "*"')
    return None


# low: FTP and Web Deploy publishing credentials are static basic-auth secrets
@check(
    id="IG-AZR-091",
    title="App Service or Function App allows basic authentication for publishing",
    severity="low",
    framework="terraform",
    types=NEW_APPS,
    cwe="CWE-798",
    description="ftp_publish_basic_authentication_enabled and webdeploy_publish_basic_authentication_enabled "
    "default to true: the publishing profile's static username and password can deploy code to the app, "
    "bypassing Entra ID and MFA.",
    remediation="Set ftp_publish_basic_authentication_enabled = false and "
    "webdeploy_publish_basic_authentication_enabled = false, and deploy with Entra ID (e.g. OIDC from CI).",
    example=APP_EXAMPLE,
    tags=("appservice", "iam"),
)
def azure_app_basic_auth_publishing(resource):
    verdict = Verdict()
    unset: list[str] = []
    for name, kind in (("ftp_publish_basic_authentication_enabled", "FTP"),
                       ("webdeploy_publish_basic_authentication_enabled", "Web Deploy")):  # fmt: skip
        with verdict.item():
            if is_false(resource.get(name)):
                continue
            at = written(resource, name)
            if at is None:
                unset.append(kind)
            else:
                verdict.fail(at, f"{kind} publishing accepts basic authentication")
    if unset:
        verb = "accept" if len(unset) > 1 else "accepts"
        verdict.fail(None, f"{' and '.join(unset)} publishing {verb} basic authentication (the default)")
    return verdict.result()
