"""Apache CloudStack checks (cloudstack/cloudstack provider): public IP firewalls, VPC network ACLs and
security groups. The template-sharing condition is in cloudstack.yaml.

Facts and defaults are from the provider's website/docs/r/*.html.markdown.
"""

from __future__ import annotations

from checks._helpers import FirstMatchExposure, Verdict, as_int, block_paths, element_paths, port_ranges, world_cidrs
from scanner.records import Resource
from scanner.registry import check


def _ports(resource: Resource, rule: str) -> list[tuple[int, int]] | None:
    """The ranges of a rule's `port` (network ACLs) or `ports` list; None (every port) when neither is set."""
    single = resource.get(f"{rule}.port")
    if single not in (None, ""):
        return port_ranges(single)
    elements = element_paths(resource, f"{rule}.ports")
    if not elements:
        return None
    ranges: list[tuple[int, int]] = []
    for element in elements:
        found = port_ranges(resource.get(element))
        if found is None:
            return None
        ranges += found
    return ranges


# high: SSH, RDP or every port of an instance reachable from any address is the first thing scanners try.
@check(
    id="IG-CS-001",
    title="Firewall, network ACL or security group rule lets the internet reach SSH, RDP or every port",
    severity="high",
    framework="terraform",
    types=["cloudstack_firewall", "cloudstack_network_acl_rule", "cloudstack_security_group_rule"],
    cwe="CWE-284",
    description="An ingress rule (allow, the default action) whose cidr_list includes 0.0.0.0/0 or ::/0 and "
    "whose protocol is all, or TCP without ports or with a port range covering 22 or 3389, lets anyone on the "
    "internet reach the login services behind the public IP, network tier or security group. Network ACL rules "
    "apply in rule_number order: ports an earlier internet-wide deny closes are not reported.",
    remediation="Limit cidr_list to the office or VPN ranges and give TCP rules the service's own ports; reach "
    "SSH through a VPN gateway or a bastion.",
    example='resource "cloudstack_firewall" "web" {\n  ip_address_id = cloudstack_ipaddress.web.id\n\n'
    '  rule {\n    cidr_list = ["0.0.0.0/0"]\n    protocol  = "tcp"\n    ports     = ["80", "443"]\n  }\n\n'
    '  rule {\n    cidr_list = ["203.0.113.0/24"]\n    protocol  = "tcp"\n    ports     = ["22"]\n  }\n}',
    tags=("network", "public"),
)
def cloudstack_rule_world_admin(resource):
    verdict = Verdict()
    ordered = []  # (rule_number, position, rule): network ACL rules apply lowest number first
    for position, rule in enumerate(block_paths(resource, "rule", verdict)):
        with verdict.item():
            number = (
                as_int(resource.get(f"{rule}.rule_number")) if resource.type == "cloudstack_network_acl_rule" else None
            )
            ordered.append((position if number is None else number, position, rule))
    exposure = FirstMatchExposure()  # network ACLs: an earlier internet-wide deny closes ports for later rules
    for _, _, rule in sorted(ordered):
        with verdict.item():
            if str(resource.get(f"{rule}.traffic_type", "ingress")).lower() != "ingress":
                continue
            cidr = world_cidrs(resource, [f"{rule}.cidr_list"], verdict)
            protocol = str(resource.get(f"{rule}.protocol", "")).lower()
            if cidr is None or protocol not in ("all", "tcp"):
                continue
            ports = None if protocol == "all" else _ports(resource, rule)
            if str(resource.get(f"{rule}.action", "allow")).lower() != "allow":
                exposure.drop(ports)
            elif exposed := exposure.accept(ports):
                verdict.fail(f"{rule}.cidr_list", f"ingress from {cidr} reaches {exposed}")
    return verdict.result()
