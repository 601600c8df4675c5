"""Logic shared by several Terraform checks: world-open sources, port ranges, IAM policy JSON.

Everything reads through `Resource.get` so an Unknown value raises `UnknownValue`; `Verdict`
lets a check judge independent items (rules, statements, CIDRs) so that one definite failure is
reported even when a sibling item is unknown, and an unknown item only matters when nothing failed.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from scanner.records import PartialDocument, Resource, Unknown, UnknownValue
from scanner.registry import Fail
from scanner.secrets import secret_kind

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
# Azure service tags and wildcards that mean "any source on the internet".
AZURE_ANY_SOURCES = {"*", "internet", "any"}  # plus any /0 CIDR


class Verdict:
    """Collects Fails over independent items; remembers the first unknown item."""

    def __init__(self) -> None:
        self.fails: list[Fail] = []
        self._unknown: UnknownValue | None = None

    @contextmanager
    def item(self) -> Iterator[None]:
        try:
            yield
        except UnknownValue as exc:
            if self._unknown is None:
                self._unknown = exc

    def unknown(self, path: str, reason: str) -> None:
        if self._unknown is None:
            self._unknown = UnknownValue(path, reason)

    def fail(self, attribute: str | None, message: str, related: tuple[Resource, ...] = ()) -> None:
        self.fails.append(Fail(attribute, message, related))

    def result(self) -> list[Fail] | None:
        if self.fails:
            return self.fails
        if self._unknown is not None:
            raise self._unknown
        return None


def is_true(value: Any) -> bool:
    """Terraform accepts "true"/"false" strings for booleans."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def dynamic_blocks(resource: Resource, parent: str = "") -> set[str]:
    """Names of `dynamic "x"` blocks (under the block at `parent`) that the evaluator left unexpanded."""
    names: set[str] = set()
    entries = resource.attributes.get("dynamic") if not parent else resource.get(f"{parent}.dynamic")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            names.update(entry)
    return names


def block_paths(resource: Resource, path: str, verdict: Verdict | None = None) -> list[str]:
    """Paths (`x.0`, `x.1`...) of the static nested blocks at `path` (e.g. `settings.0.ip_configuration`).

    With a verdict, an unexpanded `dynamic` block of that name is recorded as unknown: its content may
    hold exactly the setting the check is looking for.
    """
    value = resource.get(path)
    if verdict is not None:
        parent, _, name = path.rpartition(".")
        if name in dynamic_blocks(resource, parent):
            verdict.unknown(path, f"dynamic {name} block")
    if isinstance(value, dict):
        return [path]
    if isinstance(value, list):
        return [f"{path}.{i}" for i, item in enumerate(value) if isinstance(item, dict)]
    return []


def first_block(resource: Resource, path: str) -> str | None:
    """Path of the first block at `path`, None when absent; unknown when it is a dynamic block."""
    paths = block_paths(resource, path)
    if paths:
        return paths[0]
    parent, _, name = path.rpartition(".")
    if name in dynamic_blocks(resource, parent):
        raise UnknownValue(path, f"dynamic {name} block")
    return None


def element_paths(resource: Resource, path: str) -> list[str]:
    """Paths of the elements of a list attribute (a scalar counts as one element)."""
    value = resource.get(path)
    if value is None:
        return []
    if isinstance(value, list):
        return [f"{path}.{i}" for i in range(len(value))]
    return [path]


def written(resource: Resource, path: str, fallback: str | None = None) -> str | None:
    """`path` when the setting is written in the code, even as an expression that evaluates to null
    (`x = var.x` whose default is null), so a finding points at that line and traces the null to where
    it comes from; otherwise `fallback` (the enclosing block, or None for the whole resource)."""
    return path if path in resource.attribute_lines or resource.get(path) is not None else fallback


def is_world_cidr(value: Any) -> bool:
    """0.0.0.0/0, ::/0 and any other prefix of length 0."""
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_network(value.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def world_cidrs(resource: Resource, paths: list[str], verdict: Verdict) -> str | None:
    """The first world-open CIDR among the list attributes at `paths`; unknown elements go to the verdict."""
    for path in paths:
        with verdict.item():
            for element in element_paths(resource, path):
                with verdict.item():
                    value = resource.get(element)
                    if is_world_cidr(value):
                        return value
    return None


def covers_port(from_port: Any, to_port: Any, port: int) -> bool:
    low, high = as_int(from_port), as_int(to_port)
    if low is None and high is None:
        return False
    low = high if low is None else low
    high = low if high is None else high
    return low <= port <= high  # type: ignore[operator]


AWS_ALL_PROTOCOLS = {"-1", "all"}
AWS_TCP = {"tcp", "6"}


def aws_protocol_all(protocol: Any) -> bool:
    """-1 / "all": every protocol and every port, whatever from_port/to_port say."""
    return str(protocol).strip().lower() in AWS_ALL_PROTOCOLS


def aws_all_ports(protocol: Any, from_port: Any, to_port: Any) -> bool:
    """Every port: protocol -1, or TCP 0/1-65535."""
    if aws_protocol_all(protocol):
        return True
    low, high = as_int(from_port), as_int(to_port)
    return str(protocol).strip().lower() in AWS_TCP and low is not None and low <= 1 and high == 65535


def aws_admin_ports(protocol: Any, from_port: Any, to_port: Any) -> list[str]:
    """Admin services a TCP (or all-protocol) rule exposes, e.g. ["SSH (22)"]."""
    if aws_protocol_all(protocol):
        return [f"{name} ({port})" for port, name in ADMIN_PORTS.items()]
    if str(protocol).strip().lower() not in AWS_TCP:
        return []
    return [f"{name} ({port})" for port, name in ADMIN_PORTS.items() if covers_port(from_port, to_port, port)]


def aws_rule_exposure(resource: Resource, prefix: str, verdict: Verdict) -> tuple[str, str, Any, Any, Any] | None:
    """The AWS view of `world_open_ingress` (for checks written against it): for the ingress rule at
    `prefix`, the world-open CIDR and its attribute, plus the raw protocol, from_port and to_port."""
    source = _world_source(resource, prefix, verdict)
    if source is None:
        return None
    p = f"{prefix}." if prefix else ""
    name = "ip_protocol" if resource.type == "aws_vpc_security_group_ingress_rule" else "protocol"
    return *source, resource.get(f"{p}{name}"), resource.get(f"{p}from_port"), resource.get(f"{p}to_port")


def aws_ingress_rules(resource: Resource, verdict: Verdict) -> list[str]:
    """Prefixes of the ingress rules of an SG or rule resource: the AWS rules `world_open_ingress` walks."""
    return _ingress_rules(resource, verdict) if resource.type.startswith("aws_") else []


# World-open ingress, every provider ----------------------------------------------------------------
# One walk finds the inbound allow rules whose source is the whole internet: AWS security groups and
# their rule resources, GCP firewalls, Azure NSGs and their rules. What a check then asks of a rule is
# port-generic (`reaches(port)`, `every_port()`), so a check about another port is a predicate, not a
# second walk. Protocol and ports are read only when a check asks, after the source: an unknown port
# of a rule that is not world-open never makes a check unknown.

WORLD_OPEN_INGRESS_TYPES = (
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "google_compute_firewall",
    "azurerm_network_security_group",
    "azurerm_network_security_rule",
)
_PROTOCOLS = {"-1": "all", "all": "all", "*": "all", "6": "tcp", "17": "udp", "1": "icmp"}


@dataclass(frozen=True)
class WorldOpenIngress:
    """An inbound allow rule open to the whole internet: where it is and which world-open source it has."""

    resource: Resource
    rule: str  # the rule's block path (`ingress.0`, `allow.1`, `security_rule.2`), "" for a rule resource
    source: str  # the world-open source as written: "0.0.0.0/0", "::/0", "Internet", "*"
    attribute: str  # the attribute holding that source, where a finding points

    @property
    def _prefix(self) -> str:
        return f"{self.rule}." if self.rule else ""

    def protocol(self) -> str:
        """ "all", "tcp", "udp", "icmp" or the protocol as written (lower case); raises UnknownValue."""
        name = "ip_protocol" if self.resource.type == "aws_vpc_security_group_ingress_rule" else "protocol"
        value = str(self.resource.get(f"{self._prefix}{name}", "")).strip().lower()
        return _PROTOCOLS.get(value, value)

    def tcp(self) -> bool:
        """TCP traffic passes (protocol tcp or every protocol)."""
        return self.protocol() in ("tcp", "all")

    def port_ranges(self, verdict: Verdict) -> list[tuple[int, int]] | None:
        """Destination port ranges (low, high); None for every port. Unknown list elements go to the verdict."""
        if self.protocol() == "all" and not self.resource.type.startswith("azurerm_"):
            return None  # AWS -1 and GCP "all" ignore the ports; an Azure "*" rule still lists them
        p = self._prefix
        if self.resource.type.startswith("aws_"):
            return _port_range(self.resource.get(f"{p}from_port"), self.resource.get(f"{p}to_port"))
        if self.resource.type == "google_compute_firewall":
            paths = element_paths(self.resource, f"{p}ports")
            if not paths:
                return None  # no port list: every port of the protocol
        else:
            return [span for _, span in rule_port_spans(self.resource, self.rule, verdict)]
        ranges: list[tuple[int, int]] = []
        for path in paths:
            with verdict.item():
                text = str(self.resource.get(path)).strip()
                low, _, high = ("0-65535" if text == "*" else text).partition("-")
                ranges += _port_range(low, high or low)
        return ranges

    def reaches(self, port: int, verdict: Verdict) -> bool:
        """TCP `port` is open to the world through this rule."""
        if not self.tcp():
            return False
        ranges = self.port_ranges(verdict)
        return ranges is None or any(low <= port <= high for low, high in ranges)

    def every_port(self, verdict: Verdict) -> bool:
        """Every TCP port is open to the world (protocol all, no port list, or a 0/1-65535 range)."""
        if not self.tcp():
            return False
        ranges = self.port_ranges(verdict)
        return ranges is None or any(low <= 1 and high == 65535 for low, high in ranges)

    def admin_services(self, verdict: Verdict) -> list[str]:
        """The remote administration services this rule opens to the world: ["SSH (22)", "RDP (3389)"]."""
        return [f"{name} ({port})" for port, name in ADMIN_PORTS.items() if self.reaches(port, verdict)]


def _port_range(low: Any, high: Any) -> list[tuple[int, int]]:
    """[(low, high)] from two port numbers (a missing one is the other), [] when neither is a number."""
    first, last = as_int(low), as_int(high)
    if first is None and last is None:
        return []
    first = last if first is None else first
    last = first if last is None else last
    return [(first, last)]  # type: ignore[list-item]


def world_open_ingress(resource: Resource, verdict: Verdict) -> list[WorldOpenIngress]:
    """The inbound allow rules of `resource` (one of WORLD_OPEN_INGRESS_TYPES) whose source is the whole
    internet. A rule whose source is unknown goes to the verdict; reading the rule list itself can raise."""
    found: list[WorldOpenIngress] = []
    if resource.type == "google_compute_firewall":
        if is_true(resource.get("disabled")) or str(resource.get("direction", "INGRESS")).upper() != "INGRESS":
            return []
        cidr = world_cidrs(resource, ["source_ranges"], verdict)  # one source list for every allow block
        if cidr is None:
            return []
        return [WorldOpenIngress(resource, p, cidr, "source_ranges") for p in block_paths(resource, "allow", verdict)]
    for rule in _ingress_rules(resource, verdict):
        with verdict.item():
            source = _world_source(resource, rule, verdict)
            if source is not None:
                found.append(WorldOpenIngress(resource, rule, *source))
    return found


def _ingress_rules(resource: Resource, verdict: Verdict) -> list[str]:
    """Paths of the ingress rules of an AWS or Azure resource ("" for a rule resource)."""
    if resource.type == "aws_security_group":
        return block_paths(resource, "ingress", verdict)
    if resource.type == "aws_security_group_rule":
        return [""] if resource.get("type") == "ingress" else []
    if resource.type == "aws_vpc_security_group_ingress_rule":
        return [""]
    if resource.type.startswith("azurerm_"):
        return nsg_rule_prefixes(resource, verdict)
    return []


def _world_source(resource: Resource, rule: str, verdict: Verdict) -> tuple[str, str] | None:
    """(source, attribute) of the first world-open source of one AWS or Azure rule."""
    p = f"{rule}." if rule else ""
    if resource.type.startswith("aws_"):
        for name in ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"):
            cidr = world_cidrs(resource, [f"{p}{name}"], verdict)
            if cidr is not None:
                return cidr, f"{p}{name}"
        return None
    if not inbound_allow(resource, rule):
        return None
    for path, source in rule_sources(resource, rule, verdict):
        if any_source(source):
            parent, _, last = path.rpartition(".")
            return source, parent if last.isdigit() else path  # the attribute, not one element of a list
    return None


# Azure NSG rules: a security_rule block of an azurerm_network_security_group, or an
# azurerm_network_security_rule ("" prefix). Shared by the walk above and the Azure network checks.


def nsg_rule_prefixes(resource: Resource, verdict: Verdict) -> list[str]:
    """Rule prefixes of an NSG (`security_rule.N`) or "" for an azurerm_network_security_rule."""
    if resource.type == "azurerm_network_security_rule":
        return [""]
    return block_paths(resource, "security_rule", verdict)


def inbound_allow(resource: Resource, prefix: str) -> bool:
    p = f"{prefix}." if prefix else ""
    return (
        str(resource.get(f"{p}direction", "")).lower() == "inbound"
        and str(resource.get(f"{p}access", "")).lower() == "allow"
    )


def nsg_port_span(text: Any) -> tuple[int, int] | None:
    """An NSG port expression ("*", "443", "8000-8100") as (low, high); None when unreadable."""
    text = str(text).strip()
    if text == "*":
        return (0, 65535)
    low, _, high = text.partition("-")
    lo, hi = as_int(low), as_int(high) if high else as_int(low)
    return (lo, hi) if lo is not None and hi is not None else None


def rule_port_spans(resource: Resource, prefix: str, verdict: Verdict) -> list[tuple[str, tuple[int, int]]]:
    """(attribute path, span) of each destination port expression of a rule."""
    p = f"{prefix}." if prefix else ""
    spans = []
    for name in ("destination_port_range", "destination_port_ranges"):
        for path in element_paths(resource, f"{p}{name}"):
            with verdict.item():
                span = nsg_port_span(resource.get(path))
                if span is not None:
                    spans.append((path, span))
    return spans


def any_source(value: Any) -> bool:
    """ "*", "Internet", "Any" or a /0 CIDR."""
    return isinstance(value, str) and (value.strip().lower() in AZURE_ANY_SOURCES or is_world_cidr(value))


def rule_sources(resource: Resource, prefix: str, verdict: Verdict) -> list[tuple[str, str]]:
    """(attribute path, value) of each source prefix of a rule."""
    p = f"{prefix}." if prefix else ""
    found = []
    for name in ("source_address_prefix", "source_address_prefixes"):
        for path in element_paths(resource, f"{p}{name}"):
            with verdict.item():
                value = resource.get(path)
                if isinstance(value, str):
                    found.append((path, value))
    return found


def rule_protocol(resource: Resource, prefix: str) -> str:
    p = f"{prefix}." if prefix else ""
    return str(resource.get(f"{p}protocol", "")).strip().lower()


def parse_policy(resource: Resource, path: str) -> dict[str, Any] | None:
    """The policy document at `path` (a JSON string or already an object); None when absent."""
    value = resource.get(path)
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise UnknownValue(path, "policy is not a JSON document")
    try:
        document = json.loads(value)
    except json.JSONDecodeError as exc:
        raise UnknownValue(path, f"policy is not valid JSON: {exc.msg}") from None
    if not isinstance(document, dict):
        raise UnknownValue(path, "policy is not a JSON object")
    return document


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def public_principal(principal: Any, path: str = "Principal") -> bool:
    """`"*"`, `{"AWS": "*"}` or `{"AWS": ["*", ...]}`: anyone, including anonymous callers.

    Raises UnknownValue when an unknown part (of a partly known policy) could be "*"."""
    if isinstance(principal, Unknown):
        raise UnknownValue(path, principal.reason)
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any_value(principal.get("AWS"), lambda v: v == "*", f"{path}.AWS")
    return False


# Policies that are only partly known ---------------------------------------------------------------
# `jsonencode({...})` or an aws_iam_policy_document with an ARN known after apply is an Unknown for
# `Resource.get`; the evaluator keeps the decoded structure (`PartialDocument`) with Unknown leaves.
# The readers below raise UnknownValue only for the parts a verdict actually depends on.


def policy_document(resource: Resource, path: str) -> dict[str, Any] | None:
    """The policy at `path` decoded, `Unknown` at the parts not known; None when absent.

    Raises UnknownValue when nothing of its structure is known. Read it with `policy_statements`."""
    try:
        return parse_policy(resource, path)
    except UnknownValue:
        parent, _, name = path.rpartition(".")
        container = resource.get(parent) if parent else resource.attributes
        value = container.get(name) if isinstance(container, dict) else None
        if isinstance(value, PartialDocument) and isinstance(value.document, dict):
            return value.document
        raise


class PolicyStatement:
    """One statement of a decoded policy, read like a Resource: `get` raises UnknownValue on an Unknown."""

    def __init__(self, data: Any, path: str, index: int) -> None:
        self.data, self.path, self.index = data, path, index

    def get(self, key: str) -> Any:
        if isinstance(self.data, Unknown):
            raise UnknownValue(self.path, self.data.reason)
        value = self.data.get(key)
        if isinstance(value, Unknown):
            raise UnknownValue(f"{self.path}.{key}", value.reason)
        return value

    def has(self, key: str, wanted: Any) -> bool:
        """`wanted` is the value at `key` or one of its list; unknown only if an unknown element could be it
        (an ARN or id another resource computes is never the wildcard "*")."""
        value = self.get_partial(key)
        if wanted == "*":
            value = without_computed_ids(value)
        return any_value(value, lambda v: v == wanted, f"{self.path}.{key}")

    def get_partial(self, key: str) -> Any:
        """The value at `key` with its Unknown elements left in place (for `any_value`); raises UnknownValue only
        when the statement itself is unknown."""
        if isinstance(self.data, Unknown):
            raise UnknownValue(self.path, self.data.reason)
        return self.data.get(key)

    @property
    def label(self) -> str:
        """The Sid, or the position ("#2") when the Sid is absent or unknown."""
        sid = self.data.get("Sid") if isinstance(self.data, dict) else None
        return sid if isinstance(sid, str) and sid else f"#{self.index + 1}"


def policy_statements(document: dict[str, Any] | None, path: str) -> list[PolicyStatement]:
    """Statements of a (possibly partial) document; an unknown statement list is one unknown statement."""
    found = (document or {}).get("Statement", [])
    if isinstance(found, dict | Unknown):
        found = [found]
    if not isinstance(found, list):
        return []
    items = [s for s in found if isinstance(s, dict | Unknown)]
    return [PolicyStatement(s, f"{path}.Statement.{i}", i) for i, s in enumerate(items)]


def any_value(value: Any, predicate: Callable[[Any], bool], path: str) -> bool:
    """Some element of `value` (a list, or a scalar as one element) satisfies `predicate`.

    True when a known element does; otherwise raises UnknownValue if an element (or the whole) is unknown."""
    if isinstance(value, Unknown):
        raise UnknownValue(path, value.reason)
    items = as_list(value)
    if any(predicate(v) for v in items if not isinstance(v, Unknown)):
        return True
    unknown = next((v for v in items if isinstance(v, Unknown)), None)
    if unknown is not None:
        raise UnknownValue(path, unknown.reason)
    return False


def decide_all(*tests: Callable[[], bool]) -> bool:
    """Three-valued AND: False as soon as one test is false, even when another is unknown."""
    unknown: UnknownValue | None = None
    for test in tests:
        try:
            if not test():
                return False
        except UnknownValue as exc:
            unknown = unknown or exc
    if unknown is not None:
        raise unknown
    return True


def decide_any(tests: Iterable[Callable[[], bool]]) -> bool:
    """Three-valued OR: True as soon as one test is true, even when another is unknown."""
    unknown: UnknownValue | None = None
    for test in tests:
        try:
            if test():
                return True
        except UnknownValue as exc:
            unknown = unknown or exc
    if unknown is not None:
        raise unknown
    return False


def computed_at_apply(exc: UnknownValue) -> bool:
    """The unknown value is computed by another resource or a data source (an id, an email, a number), as
    opposed to an input nobody has given (a variable without a value)."""
    return _computed_reason(exc.reason)


def _computed_reason(reason: str) -> bool:
    return reason.endswith("is known only after apply") or reason.startswith("data source ")


def configured(resource: Resource, path: str) -> bool:
    """`path` is set to a non-empty value. A value computed at apply time from another resource or a data
    source (a KMS key's id, a policy's self_link) is set for sure, so it counts; any other unknown raises."""
    try:
        value = resource.get(path)
    except UnknownValue as exc:
        if computed_at_apply(exc):
            return True
        raise
    return value not in (None, "", [], {})


def instances_unknown(resource: Resource) -> bool:
    """The resource's count/for_each could not be computed (the evaluator emitted one stand-in instance),
    so it may have no instance at all."""
    return resource.terraform.instances.startswith("unknown")


def aws_ebs_default_encryption(graph: Any, resource: Resource) -> Resource | None:
    """The aws_ebs_encryption_by_default with `enabled` true (its default) in the resource's module root, if any:
    the account then encrypts every new EBS volume of the region whatever the volume's own settings say.

    Raises UnknownValue when such a resource's `enabled` is unknown. The root is the nearest the scanner can
    tell to "same account and region": provider aliases to other regions are not seen."""
    for setting in graph.resources("terraform", "aws_ebs_encryption_by_default"):
        if setting.scope == resource.scope:
            enabled = setting.get("enabled")
            if enabled is None or is_true(enabled):
                return setting
    return None


# Port expressions of the providers whose rules carry ports as text ("22", "80-90, 443", "22/22") --------

EVERY_PORT_WORDS = {"", "all", "any", "*", "-1", "-1/-1", "0"}


def port_ranges(text: Any, separator: str = "-") -> list[tuple[int, int]] | None:
    """(low, high) ranges of a port expression such as "22", "8000-9000", "80,443" or (separator "/")
    "22/22"; None when it means every port ("all", "-1/-1", an absent value, or a range 1-65535)."""
    if text is None or str(text).strip().lower() in EVERY_PORT_WORDS:
        return None
    ranges = []
    for part in str(text).split(","):
        low, _, high = part.strip().partition(separator)
        low_n, high_n = as_int(low), as_int(high or low)
        if low_n is None or high_n is None:
            continue
        if low_n <= 1 and high_n >= 65535:
            return None
        ranges.append((low_n, high_n))
    return ranges


def port_span(low: Any, high: Any) -> list[tuple[int, int]] | None:
    """The range of a from/to port pair (either may be absent: one port); None (every port) when both are
    absent or the span covers 1-65535."""
    low_n, high_n = as_int(low), as_int(high)
    if low_n is None and high_n is None:
        return None
    low_n = high_n if low_n is None else low_n
    high_n = low_n if high_n is None else high_n
    return None if low_n <= 1 and high_n >= 65535 else [(low_n, high_n)]  # type: ignore[list-item,operator]


def exposed_admin_ports(ranges: list[tuple[int, int]] | None) -> str | None:
    """The label of what `ranges` open: "every port" for None (see `port_ranges`), else the admin services
    they open ("SSH (22)"), else None."""
    return "every port" if ranges is None else _admin_labels(_admin_ports_in(ranges))


def literal_secret(resource: Resource, path: str) -> str | None:
    """Why the value at `path` of an attribute that always holds a secret (a GitHub secret's `value`, a Barbican
    payload) is a secret written in the code, or None: None when it is absent, generated by another resource
    or read from a data source, or a self-identifying credential (IG-SEC-001 reports those); raises
    UnknownValue when it comes from an input without a value."""
    try:
        value = resource.get(path)
    except UnknownValue as exc:
        if computed_at_apply(exc):
            return None
        raise
    if not isinstance(value, str) or secret_kind("value", value):
        return None
    return secret_kind("secret", value)


class FirstMatchExposure:
    """The internet-wide rules of a list where the first matching rule wins (Tencent Cloud, Linode, CloudStack
    network ACLs), fed in order: an ACCEPT exposes only the admin ports no earlier DROP closed, and after an
    unknown rule (which may be a DROP) nothing is exposed for sure."""

    def __init__(self) -> None:
        self.dropped: set[int] = set()
        self.every_port_dropped = False
        self.after_unknown = False

    def drop(self, ranges: list[tuple[int, int]] | None) -> None:
        self.dropped |= _admin_ports_in(ranges)
        self.every_port_dropped = self.every_port_dropped or ranges is None

    def accept(self, ranges: list[tuple[int, int]] | None) -> str | None:
        """What an ACCEPT of `ranges` (None: every port) exposes: "every port", "SSH (22)"..., or None."""
        if self.after_unknown or self.every_port_dropped:
            return None
        return "every port" if ranges is None else _admin_labels(_admin_ports_in(ranges) - self.dropped)


def _admin_ports_in(ranges: list[tuple[int, int]] | None) -> set[int]:
    return {p for p in ADMIN_PORTS if ranges is None or any(lo <= p <= hi for lo, hi in ranges)}


def _admin_labels(ports: set[int]) -> str | None:
    """The label of admin ports, "SSH (22), RDP (3389)"; None for none."""
    return ", ".join(f"{ADMIN_PORTS[p]} ({p})" for p in sorted(ports)) or None


# Graph neighbours through Terraform references -------------------------------------------------------


def referrers(graph: Any, resource: Resource, type: str, attribute: str) -> list[Resource]:
    """Resources of `type` whose `attribute` links to `resource` (e.g. a public access block's `bucket`);
    raises UnknownValue when one of them might (the graph's three-valued `linked_from`)."""
    return graph.linked_from(resource, type, attribute)


def referenced(graph: Any, resource: Resource, type: str, *attributes: str) -> list[Resource]:
    """Resources of `type` that `resource` links to through one of `attributes`; raises UnknownValue when a
    link cannot be followed (the graph's three-valued `linked_via`)."""
    found = {t.key: t for attribute in attributes for t in graph.linked_via(resource, attribute, type)}
    return [found[k] for k in sorted(found)]


# Resource policies open to everyone -------------------------------------------------------------------
# One reader for every resource policy (bucket, topic, queue, key, secret, vault, domain...): an Allow
# statement to Principal "*" is public unless a condition pins down who may call.

# Condition keys that restrict a "*" principal to known callers: the keys S3 Block Public Access accepts,
# plus the KMS caller account, EFS's mount-target-only access and the SNS endpoint a subscription may deliver to.
RESTRICTING_KEYS = {
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:userid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "kms:calleraccount",
    "elasticfilesystem:accessedviamounttarget",
    "sns:endpoint",
}


def public_statements(resource: Resource, path: str) -> list[str]:
    """Sids (or positions) of the Allow statements of the policy at `path` that grant Principal "*"
    without a condition restricting who calls.

    Unknown parts of the policy make it unknown only when no statement is public for sure."""
    verdict = Verdict()
    found = []
    for statement in policy_statements(policy_document(resource, path), path):
        with verdict.item():
            if public_grant(statement):
                found.append(statement.label)
    if not found:
        verdict.result()
    return found


def public_grant(statement: PolicyStatement) -> bool:
    return decide_all(
        lambda: statement.get("Effect") == "Allow",
        lambda: public_principal(without_computed_ids(statement.get("Principal")), f"{statement.path}.Principal"),
        lambda: not restricting_condition(statement),
    )


def computed_identifier(value: Any) -> bool:
    """An attribute another resource or a data source computes (an ARN, an account id): unknown here, but
    never the wildcard "*", so it cannot make a principal public (`computed_at_apply`, for a value)."""
    return isinstance(value, Unknown) and _computed_reason(value.reason)


def without_computed_ids(value: Any) -> Any:
    """`value` with every computed identifier replaced by a placeholder that matches nothing."""
    if computed_identifier(value) and not isinstance(value, PartialDocument):
        return COMPUTED
    if isinstance(value, dict):
        return {k: without_computed_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_computed_ids(v) for v in value]
    return value


def restricting_condition(statement: PolicyStatement, keys: frozenset[str] | set[str] = RESTRICTING_KEYS) -> bool:
    """Whether the statement's Condition uses one of `keys` (lower case); aws:SourceIp only when not 0.0.0.0/0."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    path = f"{statement.path}.Condition"

    def by_operator(operator: Any) -> bool:
        if isinstance(operator, Unknown):
            raise UnknownValue(path, operator.reason)
        if not isinstance(operator, dict):
            return False
        return decide_any(partial(by_key, key, values) for key, values in operator.items())

    def by_key(key: str, values: Any) -> bool:
        """A restricting key restricts whatever its (maybe unknown) value, unless it admits everything:
        aws:SourceIp open to the world, or "*" alone."""
        if key.lower() not in keys or (values == "*" or values == ["*"]):
            return False
        return key.lower() != "aws:sourceip" or not any_value(values, is_world_cidr, f"{path}.{key}")

    return decide_any(partial(by_operator, op) for op in condition.values())


COMPUTED = "(computed)"  # stands for an identifier computed at apply time; equal to no literal


def value_or_computed_id(resource: Resource, path: str) -> Any:
    """The value at `path`, with an identifier another resource or a data source computes (an ARN, an account id)
    returned as `COMPUTED`, which matches no literal; any other unknown value raises UnknownValue."""
    try:
        return resource.get(path)
    except UnknownValue:
        value: Any = resource.attributes
        for part in path.split("."):
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                break
        if computed_identifier(value) and not isinstance(value, PartialDocument):
            return COMPUTED
        raise


def group_ingress_rules(graph: Any, group: Resource, verdict: Verdict) -> list[tuple[Resource, str]]:
    """(owner, prefix) of every ingress rule of a security group: its inline ingress blocks and the rule
    resources that reference it; read each with `aws_rule_exposure(owner, prefix, verdict)`."""
    rules: list[tuple[Resource, str]] = [(group, p) for p in block_paths(group, "ingress", verdict)]
    for kind in ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule"):
        linked: list[Resource] = []
        with verdict.item():
            linked = referrers(graph, group, kind, "security_group_id")
        for rule in linked:
            with verdict.item():
                if kind == "aws_vpc_security_group_ingress_rule" or rule.get("type") == "ingress":
                    rules.append((rule, ""))
    return rules


def instance_public_ip(graph: Any, instance: Resource) -> tuple[str | None, str, tuple[Resource, ...]] | None:
    """Why the instance has a public IP: (attribute, reason, related resources); None when it has none.

    One definite public IP wins; otherwise an unknown source of one (an unknown Elastic IP link, an
    unknown subnet) raises UnknownValue."""
    verdict = Verdict()
    assigned = None
    with verdict.item():
        assigned = instance.get("associate_public_ip_address")
        if is_true(assigned):
            return "associate_public_ip_address", "associate_public_ip_address = true", ()
    eips: list[Resource] = []
    for kind, attribute in (("aws_eip", "instance"), ("aws_eip_association", "instance_id")):
        with verdict.item():
            eips += graph.linked_from(instance, kind, attribute)
    if eips:
        return None, f"Elastic IP {eips[0].address}", tuple(eips)
    if assigned is None:
        with verdict.item():
            for subnet in graph.linked_via(instance, "subnet_id", "aws_subnet"):
                if is_true(subnet.get("map_public_ip_on_launch")):
                    return "subnet_id", f"subnet {subnet.address} maps a public IP on launch", (subnet,)
    verdict.result()  # raises when a possible source of a public IP is unknown
    return None
