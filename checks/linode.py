"""Linode (Akamai) checks (linode/linode provider): Cloud Firewalls. Plain conditions (Object Storage
ACLs, Managed Database allow lists) are in linode.yaml.

Facts and defaults are from the provider's docs/resources/*.md.
"""

from __future__ import annotations

from checks._helpers import FirstMatchExposure, Verdict, block_paths, port_ranges, world_cidrs
from scanner.records import UnknownValue
from scanner.registry import check


# high: SSH, RDP or every port of a Linode reachable from any address is the first thing scanners try.
@check(
    id="IG-LIN-001",
    title="Cloud Firewall lets the internet reach SSH, RDP or every port",
    severity="high",
    framework="terraform",
    types=["linode_firewall"],
    cwe="CWE-284",
    description='inbound_policy = "ACCEPT" admits every port from every address unless a rule drops it, and an '
    "ACCEPT inbound rule with ipv4 0.0.0.0/0 or ipv6 ::/0 whose ports are absent (every port) or cover 22 or "
    "3389 lets anyone on the internet reach the Linodes' login services. Rules apply in order and the first "
    "match wins: ports an earlier internet-wide DROP closes are not reported.",
    remediation='Set inbound_policy = "DROP", accept only the service ports from the internet, and limit SSH/RDP '
    "rules to the office or VPN ranges.",
    example='resource "linode_firewall" "web" {\n  label = "web"\n\n  inbound {\n    label    = "https"\n'
    '    action   = "ACCEPT"\n    protocol = "TCP"\n    ports    = "443"\n    ipv4     = ["0.0.0.0/0"]\n'
    '    ipv6     = ["::/0"]\n  }\n\n  inbound {\n    label    = "ssh-office"\n    action   = "ACCEPT"\n'
    '    protocol = "TCP"\n    ports    = "22"\n    ipv4     = ["203.0.113.0/24"]\n  }\n\n'
    '  inbound_policy  = "DROP"\n  outbound_policy = "ACCEPT"\n  linodes         = [linode_instance.web.id]\n}',
    tags=("network", "public"),
)
def linode_firewall_world_admin(resource):
    verdict = Verdict()
    with verdict.item():
        if str(resource.get("inbound_policy", "")).upper() == "ACCEPT":
            verdict.fail("inbound_policy", "inbound_policy is ACCEPT: every port is open unless a rule drops it")
    # rules apply in order and the first match wins, separately for IPv4 and IPv6 sources
    exposures = {"ipv4": FirstMatchExposure(), "ipv6": FirstMatchExposure()}
    for rule in block_paths(resource, "inbound", verdict):
        try:
            action = str(resource.get(f"{rule}.action", "")).upper()
            if str(resource.get(f"{rule}.protocol", "")).upper() != "TCP":
                continue
            ports = port_ranges(resource.get(f"{rule}.ports"))
            for family, exposure in exposures.items():
                cidr = world_cidrs(resource, [f"{rule}.{family}"], verdict)
                if cidr is None:
                    continue
                if action == "DROP":
                    exposure.drop(ports)
                elif action == "ACCEPT" and (exposed := exposure.accept(ports)):
                    verdict.fail(f"{rule}.{family}", f"inbound TCP from {cidr} reaches {exposed}")
        except UnknownValue as exc:
            verdict.unknown(exc.path, exc.reason)
            for exposure in exposures.values():
                exposure.after_unknown = True
    return verdict.result()
