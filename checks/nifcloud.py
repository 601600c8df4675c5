"""NIFCLOUD checks (nifcloud/nifcloud provider): firewall (security group) rules. Plain conditions
(RDB security groups and public RDB instances) are in nifcloud.yaml.

Facts and defaults are from the provider's docs/resources/*.md and its resource schemas.
"""

from __future__ import annotations

from checks._helpers import Verdict, exposed_admin_ports, port_span, world_cidrs
from scanner.registry import check


# high: SSH, RDP or every port of a server reachable from any address is the first thing scanners try.
@check(
    id="IG-NIF-001",
    title="Firewall rule lets the internet reach SSH, RDP or every port",
    severity="high",
    framework="terraform",
    types=["nifcloud_security_group_rule"],
    cwe="CWE-284",
    description="An IN rule (the default type) with cidr_ip 0.0.0.0/0 whose protocol is ANY, or TCP (the "
    "default protocol) without ports or with a from_port-to_port range covering 22 or 3389, lets anyone on "
    "the internet reach the login services of every server in the named firewall groups.",
    remediation="Set cidr_ip to the office or VPN range, or source_security_group_name to a bastion's group, "
    "and give the rule the service's own port.",
    example='resource "nifcloud_security_group_rule" "ssh_from_office" {\n'
    "  security_group_names = [nifcloud_security_group.web.group_name]\n"
    '  type                 = "IN"\n  protocol             = "TCP"\n  from_port            = 22\n'
    '  to_port              = 22\n  cidr_ip              = "203.0.113.0/24"\n}',
    tags=("network", "public"),
)
def nifcloud_rule_world_admin(resource):
    if str(resource.get("type", "IN")).upper() != "IN":
        return None
    verdict = Verdict()
    cidr = world_cidrs(resource, ["cidr_ip"], verdict)
    if cidr is not None:
        protocol = str(resource.get("protocol", "TCP")).upper()
        if protocol == "ANY":
            exposed = "every protocol and port"
        elif protocol == "TCP":
            exposed = exposed_admin_ports(port_span(resource.get("from_port"), resource.get("to_port")))
        else:
            exposed = None
        if exposed:
            verdict.fail("cidr_ip", f"inbound {protocol} from {cidr} reaches {exposed}")
    return verdict.result()
