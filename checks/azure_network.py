"""Azure network checks (azurerm): NSG exposure, flow logs, public IPs, WAF, TLS policy, firewall, DDoS.

SSH/RDP open to the internet is IG-AZR-005 (checks/terraform_azure.py); the checks here cover the other
sensitive services, every-port rules, wide public sources, and two relationships the graph answers:
a VM with a public IP that its NSGs open to SSH/RDP, and subnets no NSG is associated with.
"""

from __future__ import annotations

from checks._azure import SENSITIVE_TCP_PORTS, SENSITIVE_UDP_PORTS, is_set, linked, public_network
from checks._helpers import (
    ADMIN_PORTS,
    Verdict,
    any_source,
    as_int,
    block_paths,
    first_block,
    inbound_allow,
    is_false,
    is_true,
    nsg_rule_prefixes,
    rule_port_spans,
    rule_protocol,
    rule_sources,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

NSG_TYPES = ["azurerm_network_security_group", "azurerm_network_security_rule"]
PORT_PROTOCOLS = ("tcp", "udp", "*")  # an NSG rule for Icmp, Esp or Ah opens no service port
NSG_RULE_EXAMPLE = (
    'resource "azurerm_network_security_rule" "postgres_from_app" {\n'
    '  name                        = "postgres-from-app"\n'
    '  priority                    = 200\n  direction                   = "Inbound"\n'
    '  access                      = "Allow"\n  protocol                    = "Tcp"\n'
    '  source_port_range           = "*"\n  destination_port_range      = "5432"\n'
    '  source_address_prefix       = "10.20.1.0/24"\n  destination_address_prefix  = "*"\n'
    "  resource_group_name         = azurerm_resource_group.main.name\n"
    "  network_security_group_name = azurerm_network_security_group.db.name\n}"
)


def _prefix(prefix: str) -> str:
    return f"{prefix}." if prefix else ""


def _world_source(resource: Resource, prefix: str, verdict: Verdict) -> tuple[str, str] | None:
    """(attribute, value) of the first source of the rule that is the whole internet."""
    for path, value in rule_sources(resource, prefix, verdict):
        if any_source(value):
            return path, value
    return None


def _exposed_ports(protocol: str, low: int, high: int) -> list[str]:
    """Sensitive non-admin services inside [low, high] for the rule's protocol, e.g. ["MySQL (3306)"]."""
    found = []
    if protocol in ("tcp", "*"):
        found += [f"{name} ({port})" for port, name in SENSITIVE_TCP_PORTS.items() if low <= port <= high]
    if protocol in ("udp", "*"):
        found += [f"{name} ({port}/udp)" for port, name in SENSITIVE_UDP_PORTS.items() if low <= port <= high]
    return found


# high: databases, SMB, Docker or kubelet APIs reachable by anyone are routinely exploited or brute-forced
@check(
    id="IG-AZR-023",
    title="Network security group exposes a database or other sensitive service to the internet",
    severity="high",
    framework="terraform",
    types=NSG_TYPES,
    cwe="CWE-284",
    description="An inbound Allow rule from *, Internet or 0.0.0.0/0 to ports such as 1433 (SQL Server), 3306, 5432, "
    "6379, 27017, 9200, 445 (SMB), 2375 (Docker API), 10250 (kubelet) or 23 (Telnet) puts a service that is meant "
    "to be internal in front of every scanner on the internet. SSH/RDP are IG-AZR-005; rules opening every port "
    "are IG-AZR-024.",
    remediation="Restrict source_address_prefix(es) to the networks that need the service (a VNet range, the "
    "VirtualNetwork service tag, an office range) or reach it through a private endpoint or VPN.",
    example=NSG_RULE_EXAMPLE,
    tags=("network", "public"),
)
def azure_nsg_sensitive_port_open(resource):
    verdict = Verdict()
    for prefix in nsg_rule_prefixes(resource, verdict):
        with verdict.item():
            if not inbound_allow(resource, prefix):
                continue
            protocol = rule_protocol(resource, prefix)
            exposed: list[str] = []
            for _path, (low, high) in rule_port_spans(resource, prefix, verdict):
                if (low, high) != (0, 65535) and not (low <= 1 and high == 65535):  # every port: IG-AZR-024
                    exposed += _exposed_ports(protocol, low, high)
            if not exposed:
                continue
            source = _world_source(resource, prefix, verdict)
            if source is not None:
                services = ", ".join(dict.fromkeys(exposed))
                verdict.fail(source[0], f"inbound rule allows {services} from {source[1]!r}")
    return verdict.result()


# high: every service on the hosts behind the NSG is reachable from the internet
@check(
    id="IG-AZR-024",
    title="Network security group allows every port from the internet",
    severity="high",
    framework="terraform",
    types=NSG_TYPES,
    cwe="CWE-284",
    description='An inbound Allow rule from *, Internet or 0.0.0.0/0 with destination port "*" (or 0/1-65535) '
    "removes the NSG as a boundary: every listening service on every VM behind it is reachable from the internet.",
    remediation="Allow only the ports the workload serves (e.g. 443) and restrict other rules to known sources.",
    example=NSG_RULE_EXAMPLE,
    tags=("network", "public"),
)
def azure_nsg_all_ports_open(resource):
    verdict = Verdict()
    for prefix in nsg_rule_prefixes(resource, verdict):
        with verdict.item():
            if not inbound_allow(resource, prefix) or rule_protocol(resource, prefix) not in PORT_PROTOCOLS:
                continue  # ICMP, ESP and AH rules have no ports
            spans = rule_port_spans(resource, prefix, verdict)
            if not any(low <= 1 and high == 65535 for _path, (low, high) in spans):
                continue
            source = _world_source(resource, prefix, verdict)
            if source is not None:
                protocol = rule_protocol(resource, prefix)
                what = "every port" if protocol == "*" else f"every {protocol.upper()} port"
                verdict.fail(source[0], f"inbound rule allows {what} from {source[1]!r}")
    return verdict.result()


# medium: a /8 or wider public range admits millions of hosts the owner does not control
@check(
    id="IG-AZR-025",
    title="Network security group allows a very wide public source range",
    severity="medium",
    framework="terraform",
    types=NSG_TYPES,
    cwe="CWE-284",
    description="An inbound Allow rule whose source is a public CIDR of /8 or wider (but not the whole internet, "
    "which IG-AZR-005/023/024 judge) admits at least 16 million addresses, almost always a typo (10.0.0.0/8 "
    "meant, a mask forgotten) or a shortcut that opens the service to networks nobody vetted.",
    remediation="Use the exact ranges of the clients (a /24 office range, a partner's published ranges) or a "
    "service tag.",
    example=NSG_RULE_EXAMPLE,
    tags=("network",),
)
def azure_nsg_wide_source(resource):
    verdict = Verdict()
    for prefix in nsg_rule_prefixes(resource, verdict):
        with verdict.item():
            if not inbound_allow(resource, prefix) or rule_protocol(resource, prefix) not in PORT_PROTOCOLS:
                continue
            for path, value in rule_sources(resource, prefix, verdict):
                network = public_network(value)
                widest = 8 if network is not None and network.version == 4 else 32  # IPv6: a /32 is a whole ISP
                if network is not None and 0 < network.prefixlen <= widest:
                    size = f"{network.num_addresses:,}"
                    verdict.fail(path, f"inbound rule admits the public range {value} ({size} addresses)")
                    break
    return verdict.result()


FLOW_LOG = "azurerm_network_watcher_flow_log"
FLOW_LOG_EXAMPLE = (
    'resource "azurerm_network_watcher_flow_log" "app" {\n  name                 = "fl-vnet-app"\n'
    "  network_watcher_name = azurerm_network_watcher.weu.name\n"
    "  resource_group_name  = azurerm_network_watcher.weu.resource_group_name\n"
    "  target_resource_id   = azurerm_virtual_network.app.id\n"
    "  storage_account_id   = azurerm_storage_account.flowlogs.id\n  enabled              = true\n"
    "  version              = 2\n\n  retention_policy {\n    enabled = true\n    days    = 90\n  }\n}"
)


# medium: without flow logs there is no record of which hosts talked to which
@check(
    id="IG-AZR-026",
    title="Network Watcher flow log is disabled",
    severity="medium",
    framework="terraform",
    types=[FLOW_LOG],
    cwe="CWE-778",
    description="A flow log with enabled = false records nothing: connections to and from the network (a scan, "
    "lateral movement, data leaving) leave no trace to investigate.",
    remediation="Set enabled = true (version 2, with a retention_policy and optionally traffic_analytics).",
    example=FLOW_LOG_EXAMPLE,
    tags=("network", "logging"),
    # safe: turns the flow log back on to the storage account it already names; nothing else changes
    fix=SetValue("enabled", True),
)
def azure_flow_log_disabled(resource):
    if is_false(resource.get("enabled")):
        return Fail("enabled", "flow log is disabled")
    return None


# low: logs exist but are deleted before most investigations need them
@check(
    id="IG-AZR-027",
    title="Network Watcher flow log keeps records for less than 90 days",
    severity="low",
    framework="terraform",
    types=[FLOW_LOG],
    cwe="CWE-779",
    description="A retention_policy that is disabled (records then stay forever only if the storage account keeps "
    "them) is fine, but one that deletes records after fewer than 90 days loses the history an incident "
    "investigation usually needs (intrusions are often found months later). days = 0 keeps records forever.",
    remediation="Set retention_policy { enabled = true, days = 90 } or more (0 keeps them forever).",
    example=FLOW_LOG_EXAMPLE,
    tags=("network", "logging"),
    # safe: keeps flow log records 90 days (the check's floor); only storage grows
    fix=SetValue("retention_policy.0.days", 90),
)
def azure_flow_log_retention(resource):
    policy = first_block(resource, "retention_policy")
    if policy is None or not is_true(resource.get(f"{policy}.enabled")):
        return None
    days = as_int(resource.get(f"{policy}.days"))
    if days is not None and 0 < days < 90:
        return Fail(f"{policy}.days", f"flow log records are deleted after {days} days")
    return None


# low: a public IP is a choice, but it puts the VM's listening services on the internet edge
@check(
    id="IG-AZR-028",
    title="Network interface has a public IP address",
    severity="low",
    framework="terraform",
    types=["azurerm_network_interface"],
    cwe="CWE-668",
    description="An ip_configuration with public_ip_address_id gives the VM behind the interface its own internet "
    "address, so its exposure depends only on NSG rules; a load balancer, Application Gateway or Bastion in "
    "front keeps VMs private.",
    remediation="Remove public_ip_address_id and publish the service through a load balancer or Application "
    "Gateway; administer through Azure Bastion.",
    example='resource "azurerm_network_interface" "app" {\n  name                = "nic-app-01"\n'
    '  location            = "westeurope"\n  resource_group_name = azurerm_resource_group.main.name\n\n'
    '  ip_configuration {\n    name                          = "internal"\n'
    "    subnet_id                     = azurerm_subnet.app.id\n"
    '    private_ip_address_allocation = "Dynamic"\n  }\n}',
    graph=True,
    tags=("network", "public"),
)
def azure_nic_public_ip(resource, graph):
    verdict = Verdict()
    for block in block_paths(resource, "ip_configuration", verdict):
        with verdict.item():
            if is_set(resource, f"{block}.public_ip_address_id", graph):
                verdict.fail(f"{block}.public_ip_address_id", "the interface has a public IP address")
    return verdict.result()


APP_GATEWAY = "azurerm_application_gateway"


# medium: the gateway publishes web apps to the internet with no layer-7 filtering of attacks
@check(
    id="IG-AZR-029",
    title="Application Gateway has no web application firewall",
    severity="medium",
    framework="terraform",
    types=[APP_GATEWAY],
    cwe="CWE-693",
    description="A gateway whose SKU tier is Standard/Standard_v2/Basic and that has no firewall_policy_id, or a "
    "WAF tier gateway with waf_configuration enabled = false, forwards SQL injection, XSS and other OWASP "
    "top-10 attacks straight to the applications behind it.",
    remediation='Use sku tier "WAF_v2" with an azurerm_web_application_firewall_policy (firewall_policy_id) in '
    "Prevention mode.",
    example='resource "azurerm_application_gateway" "public" {\n  name                = "agw-public"\n'
    '  resource_group_name = azurerm_resource_group.main.name\n  location            = "westeurope"\n'
    "  firewall_policy_id  = azurerm_web_application_firewall_policy.public.id\n\n  sku {\n"
    '    name     = "WAF_v2"\n    tier     = "WAF_v2"\n    capacity = 2\n  }\n}',
    tags=("network", "public"),
)
def azure_app_gateway_no_waf(resource):
    waf = first_block(resource, "waf_configuration")
    if waf is not None and is_false(resource.get(f"{waf}.enabled")):
        return Fail(f"{waf}.enabled", "the gateway's web application firewall is disabled")
    sku = first_block(resource, "sku")
    tier = resource.get(f"{sku}.tier") if sku else None
    if tier is None or str(tier).startswith("WAF"):
        return None
    if is_set(resource, "firewall_policy_id") or waf is not None:
        return None
    return Fail(f"{sku}.tier", f"SKU tier {tier!r} has no web application firewall")


WAF_POLICY_TYPES = [
    APP_GATEWAY,
    "azurerm_web_application_firewall_policy",
    "azurerm_cdn_frontdoor_firewall_policy",
    "azurerm_frontdoor_firewall_policy",
]


# medium: the WAF exists but lets every attack through (it only logs, or is switched off)
@check(
    id="IG-AZR-030",
    title="Web application firewall is disabled or only detects",
    severity="medium",
    framework="terraform",
    types=WAF_POLICY_TYPES,
    cwe="CWE-693",
    description="A WAF policy (Application Gateway or Front Door) with enabled = false, or in Detection mode, "
    "logs attacks but forwards them to the application anyway: it gives a feeling of protection without "
    "blocking anything.",
    remediation='Set mode = "Prevention" (firewall_mode on an Application Gateway waf_configuration) and '
    "enabled = true, after tuning exclusions in Detection mode on a staging environment.",
    example='resource "azurerm_web_application_firewall_policy" "public" {\n  name                = "waf-public"\n'
    '  resource_group_name = azurerm_resource_group.main.name\n  location            = "westeurope"\n\n'
    '  policy_settings {\n    enabled = true\n    mode    = "Prevention"\n  }\n\n  managed_rules {\n'
    '    managed_rule_set {\n      type    = "OWASP"\n      version = "3.2"\n    }\n  }\n}',
    tags=("network",),
)
def azure_waf_detection_only(resource):
    if resource.type == APP_GATEWAY:
        waf = first_block(resource, "waf_configuration")
        if waf is None or is_false(resource.get(f"{waf}.enabled")):  # a disabled WAF is IG-AZR-029
            return None
        enabled_path, mode_path = f"{waf}.enabled", f"{waf}.firewall_mode"
    elif resource.type == "azurerm_web_application_firewall_policy":
        settings = first_block(resource, "policy_settings")
        if settings is None:
            return None  # defaults: enabled, Prevention
        enabled_path, mode_path = f"{settings}.enabled", f"{settings}.mode"
    else:
        enabled_path, mode_path = "enabled", "mode"
    if is_false(resource.get(enabled_path)):
        return Fail(enabled_path, "the WAF policy is disabled")
    mode = resource.get(mode_path)
    if isinstance(mode, str) and mode.lower() == "detection":
        return Fail(mode_path, "the WAF is in Detection mode: attacks are logged, not blocked")
    return None


# medium: a Front Door endpoint without a WAF security policy fronts the origin with no attack filtering
@check(
    id="IG-AZR-031",
    title="Front Door has no web application firewall policy",
    severity="medium",
    framework="terraform",
    types=["azurerm_cdn_frontdoor_profile", "azurerm_frontdoor"],
    cwe="CWE-693",
    description="A Front Door (Standard/Premium) profile that no azurerm_cdn_frontdoor_security_policy refers to, "
    "or a classic Front Door frontend_endpoint without web_application_firewall_policy_link_id, serves its "
    "origins to the internet with no WAF in front of them.",
    remediation="Attach an azurerm_cdn_frontdoor_firewall_policy through an azurerm_cdn_frontdoor_security_policy "
    "(classic: set web_application_firewall_policy_link_id on each frontend_endpoint).",
    example='resource "azurerm_cdn_frontdoor_security_policy" "web" {\n  name                     = "web-waf"\n'
    "  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.web.id\n\n  security_policies {\n"
    "    firewall {\n      cdn_frontdoor_firewall_policy_id = azurerm_cdn_frontdoor_firewall_policy.web.id\n\n"
    '      association {\n        patterns_to_match = ["/*"]\n\n        domain {\n'
    "          cdn_frontdoor_domain_id = azurerm_cdn_frontdoor_endpoint.web.id\n        }\n      }\n    }\n"
    "  }\n}",
    graph=True,
    tags=("network", "public"),
)
def azure_front_door_no_waf(resource, graph):
    if resource.type == "azurerm_frontdoor":
        verdict = Verdict()
        for block in block_paths(resource, "frontend_endpoint", verdict):
            with verdict.item():
                if not is_set(resource, f"{block}.web_application_firewall_policy_link_id"):
                    name = resource.get(f"{block}.name")
                    verdict.fail(block, f"frontend endpoint {name!r} has no WAF policy")
        return verdict.result()
    if linked(graph, resource, "azurerm_cdn_frontdoor_security_policy", "cdn_frontdoor_profile_id"):
        return None
    return Fail(None, "no azurerm_cdn_frontdoor_security_policy attaches a WAF policy to this Front Door profile")


# Predefined policies that allow TLS 1.0 or 1.1 (Application Gateway TLS policy overview).
OLD_APPGW_POLICIES = {"AppGwSslPolicy20150501": "TLS 1.0", "AppGwSslPolicy20170401": "TLS 1.1"}


# medium: TLS 1.0/1.1 between clients and the gateway can be downgraded and attacked
@check(
    id="IG-AZR-032",
    title="Application Gateway TLS policy allows TLS older than 1.2",
    severity="medium",
    framework="terraform",
    types=[APP_GATEWAY],
    cwe="CWE-326",
    description="An ssl_policy (or ssl_profile ssl_policy) with min_protocol_version TLSv1_0/TLSv1_1, or the "
    "predefined AppGwSslPolicy20150501 / AppGwSslPolicy20170401, lets clients negotiate deprecated TLS versions "
    "(RFC 8996).",
    remediation='Use policy_type = "Predefined" with policy_name = "AppGwSslPolicy20220101" (or a newer one), or '
    'a custom policy with min_protocol_version = "TLSv1_2".',
    example='resource "azurerm_application_gateway" "public" {\n  name                = "agw-public"\n'
    '  resource_group_name = azurerm_resource_group.main.name\n  location            = "westeurope"\n\n'
    '  ssl_policy {\n    policy_type = "Predefined"\n    policy_name = "AppGwSslPolicy20220101"\n  }\n}',
    tags=("network", "encryption"),
)
def azure_app_gateway_old_tls(resource):
    verdict = Verdict()
    policies = block_paths(resource, "ssl_policy", verdict)
    for profile in block_paths(resource, "ssl_profile", verdict):
        policies += block_paths(resource, f"{profile}.ssl_policy", verdict)
    for policy in policies:
        with verdict.item():
            version = resource.get(f"{policy}.min_protocol_version")
            if version in ("TLSv1_0", "TLSv1_1"):
                verdict.fail(f"{policy}.min_protocol_version", f"minimum TLS version is {version}")
                continue
            name = resource.get(f"{policy}.policy_name")
            if name in OLD_APPGW_POLICIES:
                verdict.fail(f"{policy}.policy_name", f"predefined policy {name} allows {OLD_APPGW_POLICIES[name]}")
    return verdict.result()


# medium: traffic to and from known-malicious IPs and domains is neither blocked nor alerted on
@check(
    id="IG-AZR-033",
    title="Azure Firewall threat intelligence is off",
    severity="medium",
    framework="terraform",
    types=["azurerm_firewall", "azurerm_firewall_policy"],
    cwe="CWE-693",
    description='threat_intel_mode (firewall) or threat_intelligence_mode (firewall policy) set to "Off" stops the '
    "firewall from alerting on or denying traffic to IP addresses and domains Microsoft knows to be malicious "
    "(command and control, malware hosts). The default is Alert.",
    remediation='Set threat_intelligence_mode = "Deny" on the firewall policy (or "Alert" at least).',
    example='resource "azurerm_firewall_policy" "hub" {\n  name                     = "afwp-hub"\n'
    '  resource_group_name      = azurerm_resource_group.hub.name\n  location                 = "westeurope"\n'
    '  threat_intelligence_mode = "Deny"\n}',
    tags=("network",),
)
def azure_firewall_threat_intel_off(resource):
    name = "threat_intel_mode" if resource.type == "azurerm_firewall" else "threat_intelligence_mode"
    if resource.type == "azurerm_firewall" and is_set(resource, "firewall_policy_id"):
        return None  # the attached policy's threat_intelligence_mode applies
    mode = resource.get(name)
    if isinstance(mode, str) and mode.lower() == "off":
        return Fail(name, "threat intelligence filtering is off")
    return None


# low: DDoS Network Protection is a cost decision; basic infrastructure protection always applies
@check(
    id="IG-AZR-034",
    title="Virtual network has no DDoS Network Protection plan",
    severity="low",
    framework="terraform",
    types=["azurerm_virtual_network"],
    cwe="CWE-400",
    description="Without a ddos_protection_plan (or with enable = false), public IPs in the network only get "
    "Azure's basic infrastructure DDoS protection: no tuning to the application's traffic, no attack "
    "telemetry, no cost protection or rapid response.",
    remediation="Associate an azurerm_network_ddos_protection_plan (one plan can cover many networks) with "
    "ddos_protection_plan { id = ..., enable = true }.",
    example='resource "azurerm_virtual_network" "hub" {\n  name                = "vnet-hub"\n'
    '  location            = "westeurope"\n  resource_group_name = azurerm_resource_group.hub.name\n'
    '  address_space       = ["10.0.0.0/16"]\n\n  ddos_protection_plan {\n'
    "    id     = azurerm_network_ddos_protection_plan.main.id\n    enable = true\n  }\n}",
    tags=("network",),
)
def azure_vnet_no_ddos(resource):
    plan = first_block(resource, "ddos_protection_plan")
    if plan is None:
        at = written(resource, "ddos_protection_plan")
        return Fail(at, "no ddos_protection_plan: only basic DDoS protection applies")
    if is_false(resource.get(f"{plan}.enable")):
        return Fail(f"{plan}.enable", "the DDoS protection plan is not enabled on this network")
    return None


VM_TYPES = ["azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine"]


def _admin_open(nsg: Resource, graph, verdict: Verdict) -> tuple[Resource, str] | None:
    """(rule owner, description) of an Allow rule of `nsg` (inline or a separate azurerm_network_security_rule)
    opening SSH/RDP to the internet with no Deny of higher priority; unknown rules go to the verdict."""
    rules = [(nsg, prefix) for prefix in nsg_rule_prefixes(nsg, verdict)]
    rules += [(r, "") for r in linked(graph, nsg, "azurerm_network_security_rule", "network_security_group_name")]
    for owner, prefix in rules:
        with verdict.item():
            if not inbound_allow(owner, prefix) or rule_protocol(owner, prefix) not in ("tcp", "*"):
                continue
            source = _world_source(owner, prefix, verdict)
            if source is None:
                continue
            priority = as_int(owner.get(f"{_prefix(prefix)}priority"))
            for _path, (low, high) in rule_port_spans(owner, prefix, verdict):
                for port in (port for port in ADMIN_PORTS if low <= port <= high):
                    if not _denied_first(rules, priority, port):
                        return owner, f"{ADMIN_PORTS[port]} ({port}) from {source[1]!r}"
    return None


def _denied_first(rules: list[tuple[Resource, str]], priority: int | None, port: int) -> bool:
    """A Deny rule with a lower priority number drops `port` from every source before the Allow is reached.

    Raises UnknownValue when a Deny rule of higher priority has unknown ports or sources: it may."""
    for owner, prefix in rules:
        p = _prefix(prefix)
        if str(owner.get(f"{p}direction", "")).lower() != "inbound":
            continue
        if str(owner.get(f"{p}access", "")).lower() != "deny":
            continue
        deny_priority = as_int(owner.get(f"{p}priority"))
        if priority is None or deny_priority is None or deny_priority >= priority:
            continue
        verdict = Verdict()
        spans = rule_port_spans(owner, prefix, verdict)
        sources = rule_sources(owner, prefix, verdict)
        verdict.result()
        if any(low <= port <= high for _path, (low, high) in spans) and any(any_source(v) for _path, v in sources):
            return True
    return False


def _nsgs_of(graph, nic: Resource) -> list[list[Resource]]:
    """The NSG layers that filter traffic to `nic`: [NIC-level NSGs, subnet-level NSGs] (empty layers left out)."""
    nic_level = [
        nsg
        for assoc in linked(graph, nic, "azurerm_network_interface_security_group_association", "network_interface_id")
        for nsg in graph.linked_via(assoc, "network_security_group_id", "azurerm_network_security_group")
    ]
    subnet_level = [
        nsg
        for block in block_paths(nic, "ip_configuration")
        for subnet in graph.linked_via(nic, f"{block}.subnet_id", "azurerm_subnet")
        for assoc in linked(graph, subnet, "azurerm_subnet_network_security_group_association", "subnet_id")
        for nsg in graph.linked_via(assoc, "network_security_group_id", "azurerm_network_security_group")
    ]
    return [layer for layer in (nic_level, subnet_level) if layer]


def _layer_exposure(graph, layer: list[Resource], verdict: Verdict) -> tuple[Resource, str] | None:
    for nsg in layer:
        found = _admin_open(nsg, graph, verdict)
        if found is not None:
            return found
    return None


# critical: remote administration of an internet-addressable VM is open to the whole internet
@check(
    id="IG-AZR-035",
    title="VM with a public IP is reachable on SSH or RDP from the internet",
    severity="critical",
    framework="terraform",
    types=VM_TYPES,
    cwe="CWE-284",
    description="The VM has a network interface with a public IP, and every NSG on its path (the interface's and "
    "its subnet's) has an inbound Allow for SSH (22) or RDP (3389) from *, Internet or 0.0.0.0/0 not preceded by "
    "a Deny: the VM's login service faces brute force and pre-auth exploits from anywhere. IG-AZR-005 reports "
    "the rule itself; this check confirms a VM is actually exposed through it.",
    remediation="Remove the public IP and administer through Azure Bastion or just-in-time access, or restrict the "
    "rule's source to known addresses.",
    example='resource "azurerm_linux_virtual_machine" "jump" {\n  name                  = "vm-jump-01"\n'
    '  resource_group_name   = azurerm_resource_group.main.name\n  location              = "westeurope"\n'
    '  size                  = "Standard_B2s"\n  admin_username        = "azureuser"\n'
    "  network_interface_ids = [azurerm_network_interface.jump.id]\n}",
    graph=True,
    tags=("network", "public"),
)
def azure_vm_admin_exposed(resource, graph):
    verdict = Verdict()
    for nic in graph.linked_via(resource, "network_interface_ids", "azurerm_network_interface"):
        with verdict.item():
            blocks = block_paths(nic, "ip_configuration", verdict)
            if not any(is_set(nic, f"{block}.public_ip_address_id", graph) for block in blocks):
                continue
            # with no NSG in the code nothing is judged: Standard public IPs then admit no inbound traffic
            layers = _nsgs_of(graph, nic)
            exposures = [_layer_exposure(graph, layer, verdict) for layer in layers]
            if layers and all(exposures):
                rule, what = exposures[-1]
                related = tuple({r.key: r for r in [nic, *(e[0] for e in exposures if e)]}.values())
                message = f"{what} reaches this VM through {nic.address}, which has a public IP"
                verdict.fail(written(resource, "network_interface_ids"), message, related=related)
    return verdict.result()


# Subnets Azure manages itself, where an NSG is not supported or not advised.
NSG_EXEMPT_SUBNETS = {
    "gatewaysubnet",
    "azurefirewallsubnet",
    "azurefirewallmanagementsubnet",
    "routeserversubnet",
    "azurebastionsubnet",
}


# medium: the VMs in the subnet are filtered by nothing but their own NIC NSG, if any
@check(
    id="IG-AZR-036",
    title="Subnet has no network security group",
    severity="medium",
    framework="terraform",
    types=["azurerm_subnet"],
    cwe="CWE-284",
    description="No azurerm_subnet_network_security_group_association (or legacy network_security_group_id) "
    "attaches an NSG to the subnet, so nothing at the subnet boundary restricts traffic between it, the rest "
    "of the virtual network and, for VMs with public IPs, the internet. Gateway, firewall, Bastion and Route "
    "Server subnets are not reported.",
    remediation="Associate an NSG with the subnet (azurerm_subnet_network_security_group_association) that allows "
    "only the traffic the workload needs.",
    example='resource "azurerm_subnet_network_security_group_association" "app" {\n'
    "  subnet_id                 = azurerm_subnet.app.id\n"
    "  network_security_group_id = azurerm_network_security_group.app.id\n}",
    graph=True,
    tags=("network",),
)
def azure_subnet_without_nsg(resource, graph):
    if linked(graph, resource, "azurerm_subnet_network_security_group_association", "subnet_id"):
        return None
    if is_set(resource, "network_security_group_id"):
        return None
    try:
        name = resource.get("name")
    except UnknownValue:
        if not _hosts_workloads(resource, graph):
            raise
        name = None  # a subnet hosting NICs, node pools or endpoints is none of the Azure-managed ones
    if isinstance(name, str) and name.lower() in NSG_EXEMPT_SUBNETS:
        return None
    return Fail(None, "no network security group is associated with this subnet")


# Resources that place their own interfaces in a subnet, which the Azure-managed subnets do not accept.
WORKLOAD_TYPES = {
    "azurerm_network_interface",
    "azurerm_kubernetes_cluster",
    "azurerm_kubernetes_cluster_node_pool",
    "azurerm_linux_virtual_machine_scale_set",
    "azurerm_windows_virtual_machine_scale_set",
    "azurerm_private_endpoint",
    "azurerm_container_group",
}


def _hosts_workloads(subnet: Resource, graph) -> bool:
    return any(other.type in WORKLOAD_TYPES for other in graph.predecessors(subnet, kind="references"))
