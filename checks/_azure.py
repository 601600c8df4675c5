"""Helpers shared by the azurerm check modules: graph links, "is this set", NSG rules, firewall ranges.

Everything reads through `Resource.get`, so unknown values raise `UnknownValue`. A check that asks
"does any resource attach X to this one" must not answer no when a resource of that kind points
somewhere the scanner cannot follow (a variable, a data source): the graph's `linked_from` /
`linked_via` (and `linked`, several attributes at once) raise UnknownValue then.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from checks._helpers import instances_unknown
from scanner.records import Resource, UnknownValue


def linked(graph, resource: Resource, type: str, *attributes: str) -> list[Resource]:
    """Resources of `type` linking to `resource` through any of `attributes` (`graph.linked_from` for each:
    nested paths under an attribute count). Unknown only when none links for sure and one may."""
    found: dict[str, Resource] = {}
    unknown: UnknownValue | None = None
    for attribute in attributes:
        try:
            found.update((other.key, other) for other in graph.linked_from(resource, type, attribute))
        except UnknownValue as exc:
            unknown = unknown or exc
    if found or unknown is None:
        return [found[key] for key in sorted(found)]
    raise unknown


def is_set(resource: Resource, path: str, graph=None) -> bool:
    """The argument at `path` is given a value (not null, not ""), even one known only after apply
    (`azurerm_public_ip.x.id`).

    Unknown when it comes from a variable or data source that may be null. With the graph, also unknown
    when the referenced resource's count/for_each is unknown: `try(azurerm_public_ip.x[0].id, null)` is
    then null if no instance exists."""
    try:
        return resource.get(path) not in (None, "")  # "" is how pre-0.12 modules wrote "no value"
    except UnknownValue:
        managed = [t for a, t in resource.references if a == path and not t.startswith("data.")]
        if not managed:
            raise
        if graph is not None:
            for other in graph.successors(resource, kind="references"):
                if path in graph.edge_attributes(resource, other, "references") and instances_unknown(other):
                    raise UnknownValue(path, f"{other.address} may have no instance (count/for_each unknown)") from None
        return True


# Network security group rules -----------------------------------------------------------------------

# Services other than SSH/RDP (IG-AZR-005) that should never face the internet; port -> name.
SENSITIVE_TCP_PORTS = {
    20: "FTP data", 21: "FTP", 23: "Telnet", 135: "MS RPC", 139: "NetBIOS", 389: "LDAP", 445: "SMB",
    1433: "SQL Server", 1521: "Oracle", 2375: "Docker API", 2376: "Docker API (TLS)", 2379: "etcd",
    3306: "MySQL", 5432: "PostgreSQL", 5601: "Kibana", 5900: "VNC", 5984: "CouchDB", 5985: "WinRM",
    5986: "WinRM (TLS)", 6379: "Redis", 9042: "Cassandra", 9200: "Elasticsearch", 9300: "Elasticsearch",
    10250: "kubelet", 11211: "Memcached", 27017: "MongoDB",
}  # fmt: skip
SENSITIVE_UDP_PORTS = {137: "NetBIOS", 161: "SNMP", 1434: "SQL Server Browser", 11211: "Memcached"}


def public_network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The CIDR (or single address) `value` when it is one and contains public addresses."""
    if not isinstance(value, str):
        return None
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
    return None if network.is_private or network.is_reserved or network.is_loopback else network


# Server firewall rules (start/end IPv4 addresses) ------------------------------------------------------


def firewall_range(
    resource: Resource, start_name: str = "start_ip_address", end_name: str = "end_ip_address"
) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address] | None:
    """(start, end) of a start/end firewall rule; None when they are not two IPv4 addresses."""
    start, end = resource.get(start_name), resource.get(end_name)
    try:
        return ipaddress.IPv4Address(str(start).strip()), ipaddress.IPv4Address(str(end).strip())
    except ValueError:
        return None


def public_addresses(start: ipaddress.IPv4Address, end: ipaddress.IPv4Address) -> int:
    """How many addresses of [start, end] are public (not private, loopback, link-local or reserved)."""
    total = 0
    for network in ipaddress.summarize_address_range(start, end) if start <= end else []:
        if not (network.is_private or network.is_reserved or network.is_loopback or network.is_link_local):
            total += network.num_addresses
    return total
