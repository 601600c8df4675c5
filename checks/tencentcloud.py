"""Tencent Cloud checks (tencentcloudstack/tencentcloud provider): security group rules. Plain
conditions (COS ACLs, encryption and access logs) are in tencentcloud.yaml.

Facts and defaults are from the provider's website/docs/r/*.html.markdown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from checks._helpers import FirstMatchExposure, Verdict, block_paths, element_paths, is_world_cidr, port_ranges
from scanner.records import Resource, UnknownValue
from scanner.registry import check


class Rule(NamedTuple):
    """One ingress rule of a rule set (a block) or of a lite rule (an "ACCEPT#0.0.0.0/0#22#TCP" string)."""

    path: str
    action: str
    source: str
    ports: list[tuple[int, int]] | None  # None: every port
    protocol: str


def _rule(resource: Resource, path: str) -> Rule:
    if resource.type == "tencentcloud_security_group_lite_rule":
        action, _, rest = str(resource.get(path)).partition("#")
        source, _, rest = rest.partition("#")
        port, _, protocol = rest.partition("#")
        return Rule(path, action.upper(), source, port_ranges(port), protocol.upper())
    source = resource.get(f"{path}.cidr_block") or resource.get(f"{path}.ipv6_cidr_block") or ""
    ports = port_ranges(resource.get(f"{path}.port", "ALL"))
    protocol = str(resource.get(f"{path}.protocol", "ALL")).upper()
    return Rule(path, str(resource.get(f"{path}.action", "")).upper(), str(source), ports, protocol)


def _ingress_rules(resource: Resource, verdict: Verdict) -> Iterator[Rule | None]:
    """The ingress rules in order; None for a rule that is unknown (it is recorded in the verdict)."""
    if resource.type == "tencentcloud_security_group_lite_rule":
        paths = element_paths(resource, "ingress")
    else:
        paths = block_paths(resource, "ingress", verdict)
    for path in paths:
        try:
            rule = _rule(resource, path)
        except UnknownValue as exc:
            verdict.unknown(exc.path, exc.reason)
            yield None
        else:
            yield rule


# high: SSH, RDP or every port of an instance reachable from any address is the first thing scanners try.
@check(
    id="IG-TC-001",
    title="Security group lets the internet reach SSH, RDP or every port",
    severity="high",
    framework="terraform",
    types=["tencentcloud_security_group_rule_set", "tencentcloud_security_group_lite_rule"],
    cwe="CWE-284",
    description="An ACCEPT ingress rule from 0.0.0.0/0 or ::/0 whose protocol is ALL, or TCP with a port that "
    "is ALL or covers 22 or 3389, lets anyone on the internet reach the login services of the CVM instances "
    "in the group. Rules are ordered: a rule already dropped by an earlier internet-wide DROP is not reported.",
    remediation="Limit cidr_block to the office or VPN range, or use source_security_id for a bastion's group, "
    "and open only the ports the service needs.",
    example='resource "tencentcloud_security_group_rule_set" "web" {\n'
    "  security_group_id = tencentcloud_security_group.web.id\n\n  ingress {\n"
    '    action     = "ACCEPT"\n    cidr_block = "0.0.0.0/0"\n    protocol   = "TCP"\n    port       = "443"\n'
    '  }\n\n  ingress {\n    action     = "ACCEPT"\n    cidr_block = "203.0.113.0/24"\n    protocol   = "TCP"\n'
    '    port       = "22"\n  }\n}',
    tags=("network", "public"),
)
def tencent_security_group_world_admin(resource):
    verdict = Verdict()
    exposure = FirstMatchExposure()
    for rule in _ingress_rules(resource, verdict):
        if rule is None:
            exposure.after_unknown = True
            continue
        if not is_world_cidr(rule.source) or rule.protocol not in ("TCP", "ALL"):
            continue
        ports = None if rule.protocol == "ALL" else rule.ports
        if rule.action == "DROP":
            exposure.drop(ports)
        elif rule.action == "ACCEPT" and (exposed := exposure.accept(ports)):
            verdict.fail(rule.path, f"ingress from {rule.source} reaches {exposed}")
    return verdict.result()
