"""Where a fix lands: from a finding to the one place in the repository whose edit clears it.

Terraform follows the evaluator's provenance: an attribute written as a literal is edited on the
resource; one that is only `var.x` or `local.y` is followed, hop by hop, to the variable default,
`.tfvars` line, local or module input that holds the literal. Anything computed on the way (a
conditional, a function, an interpolation), a value from the environment or the command line, a
module downloaded under `.terraform/`, JSON configuration and plan files is "not fixable here", with
the reason. Kubernetes edits the manifest (or kustomize patch) line that set the value, or inserts
the missing keys in the object's own document; Helm templates and objects written as Terraform
`kubernetes_*` resources are not edited. A Dockerfile fix names the stage and instruction.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from scanner.fix import hcl, yamltext
from scanner.fix.dockerfile import DockerfileTarget
from scanner.fix.hcl import FixFailed, HclTarget
from scanner.fix.model import target_path
from scanner.fix.spec import FixSpec, InsertInstruction, SetValue
from scanner.fix.yamltext import YamlTarget
from scanner.records import Finding, Resource

Target = HclTarget | YamlTarget | DockerfileTarget
Texts = Callable[[str], str]  # rel -> the file's text (LF line ends); raises FixFailed when unreadable


@dataclass(frozen=True)
class Reference:
    """A `var.x` / `local.y` the value passed through: every other read of it shares the value."""

    directory: str
    kind: str
    name: str
    file: str
    line: int


@dataclass
class Located:
    target: Target
    origin: str  # where the edit lands, for a person: "variables.tf:3 (variable default)"
    references: list[Reference] = field(default_factory=list)
    path: str = ""  # the resource attribute set (Terraform and Kubernetes)
    at: tuple[str, int] = ("", 0)  # file and line of the value, or of the block the value is added to
    companions: list[Located] = field(default_factory=list)  # the edits of `SetValue.also`

    @property
    def all(self) -> list[Located]:
        """This edit and its companions: made together or not at all."""
        return [self, *self.companions]


class NotFixable(Exception):
    """The reason a finding's fix cannot be made in this repository's files."""


def locate(finding: Finding, spec: FixSpec, texts: Texts) -> Located:
    resource = finding.resource
    if resource.framework == "dockerfile":
        return _dockerfile(finding, spec)
    if not isinstance(spec, SetValue):
        raise NotFixable("the check's fix is not a value to set")
    place = _terraform if resource.framework == "terraform" else _kubernetes
    main, *companions = [place(resource, target_path(finding.attribute, p), v, texts) for p, v in spec.settings]
    main.companions = companions
    return main


def _downloaded(rel: str) -> bool:
    return rel.startswith(".terraform/") or "/.terraform/" in rel


def _readable(rel: str, what: str) -> None:
    if rel.startswith(("<", "../", "/")):
        raise NotFixable(f"{what} is set outside the repository ({rel})")
    if _downloaded(rel):
        raise NotFixable(f"{what} comes from a module downloaded under .terraform ({rel}): change its inputs")
    if rel.endswith(".json"):
        raise NotFixable(f"{what} is set in JSON configuration ({rel}), which iacgate does not edit")


# Terraform ----------------------------------------------------------------------------------------------


def _terraform(resource: Resource, path: str, value: Any, texts: Texts) -> Located:
    if resource.terraform.plan is not None:
        raise NotFixable("a plan is terraform's output: fix the configuration it was planned from")
    rel = resource.location.file
    _readable(rel, resource.address)
    block = _resource_block(resource, texts)
    structure: list[tuple[str, ...]] = [("resource", *block.labels)]
    parts = path.split(".")
    position = 0
    while position < len(parts):
        part = parts[position]
        if part in block.attributes:
            if position != len(parts) - 1:
                raise NotFixable(
                    f"{'.'.join(parts[: position + 1])} is an expression; the value inside it is not edited"
                )
            return _follow(resource, path, block.attributes[part], (rel, tuple(structure)), value, texts)
        if any(b.type == "dynamic" and b.labels[:1] == [part] for b in block.blocks):
            raise NotFixable(f"{part} is written as a dynamic block")
        same = [b for b in block.blocks if b.type == part]
        if not same:
            break
        index = parts[position + 1] if position + 1 < len(parts) else ""
        if not index.isdigit() or int(index) >= len(same):
            raise NotFixable(f"{'.'.join(parts[: position + 2])} is not a block written in {rel}")
        block = same[int(index)]
        structure.append((part, index))
        position += 2
    missing = parts[position:]
    creates, name = missing[:-1], missing[-1]
    if len(creates) % 2 or any(index != "0" for index in creates[1::2]):
        raise NotFixable(f"{path} cannot be created as written")
    target = HclTarget(rel, False, tuple(structure), name, value, tuple(creates[0::2]))
    return Located(target, f"{rel}:{block.line} ({resource.address})", path=path, at=(rel, block.line))


def _resource_block(resource: Resource, texts: Texts) -> hcl.Block:
    """The `resource` block that defines a Terraform resource (or a `kubernetes_*` resource's twin)."""
    rel, line = resource.location.file, resource.location.start_line
    blocks = [b for b in _parse_hcl(texts, rel, False).blocks if b.type == "resource" and b.line == line]
    if len(blocks) != 1:
        raise NotFixable(f"the block of {resource.address} is not at {rel}:{line}")
    return blocks[0]


def _parse_hcl(texts: Texts, rel: str, tfvars: bool) -> hcl.TerraformFile:
    try:
        return hcl.parse(texts(rel), rel, tfvars)
    except FixFailed as exc:
        raise NotFixable(str(exc)) from exc


def _follow(
    resource: Resource, path: str, attribute: hcl.Attribute, place: tuple[str, tuple], value: Any, texts: Texts
) -> Located:
    """From the attribute on the resource, through plain `var.x` / `local.y` hops, to the literal."""
    rel, structure = place
    origin = f"{rel}:{attribute.line} ({resource.address})"
    trace = list(resource.provenance.get(path, []))
    references: list[Reference] = []
    while True:
        if hcl.literal(attribute.expr):
            tfvars = rel.endswith(".tfvars")
            target = HclTarget(rel, tfvars, structure, attribute.name, value)
            return Located(target, origin, references, path, (rel, attribute.line))
        hop = hcl.passthrough(attribute.expr)
        if hop is None:
            raise NotFixable(f"{origin} computes the value with an expression: change it by hand")
        references.append(Reference(posixpath.dirname(rel), hop[0], hop[1], rel, attribute.line))
        if not trace:
            raise NotFixable(f"where {hop[0]}.{hop[1]} is set is not known")
        here = trace.pop(0)
        _readable(here.file, f"{hop[0]}.{hop[1]}")
        tfvars = here.file.endswith(".tfvars")
        try:
            structure, attribute = hcl.locate_attribute(_parse_hcl(texts, here.file, tfvars), here.start_line, tfvars)
        except FixFailed as exc:
            raise NotFixable(f"{here.file}:{here.start_line}: {exc}") from exc
        expected = {"var": ("variable", "module", None), "local": ("locals",)}[hop[0]]
        kind = structure[0][0] if structure else None
        named = attribute.name == hop[1] or (kind == "variable" and structure[0][1:] == (hop[1],))
        if kind not in expected or not named:
            raise NotFixable(f"{here.file}:{here.start_line} is not where {hop[0]}.{hop[1]} is set")
        rel = here.file
        origin = f"{rel}:{attribute.line} ({here.note})" if here.note else f"{rel}:{attribute.line}"


# Kubernetes ---------------------------------------------------------------------------------------------


def _kubernetes(resource: Resource, path: str, value: Any, texts: Texts) -> Located:
    rel = resource.location.file
    if rel.endswith(".tf"):
        return _kubernetes_in_terraform(resource, path, value, texts)
    if rel.endswith(".tf.json"):
        raise NotFixable(f"the object is written as a kubernetes_* resource in JSON configuration ({rel})")
    try:
        text = texts(rel)
    except FixFailed as exc:
        raise NotFixable(str(exc)) from exc
    if "{{" in text:
        raise NotFixable(f"{rel} is a Helm template: set the value in the chart's values or template")
    parts = path.split(".")
    node: Any = resource.attributes
    present = 0
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            break
        present += 1
    if present == len(parts):
        return _existing_yaml(resource, path, value, texts)
    parent = ".".join(parts[:present])
    if resource.file_of(parent or None) != rel or (parent and parent in resource.attribute_files):
        raise NotFixable(f"{parent or 'the object'} is set by a kustomize patch: add {path} there")
    start = resource.location.start_line
    index, offset, document = _document_at(texts, rel, start)
    if not isinstance(document, CommentedMap) or offset + document.lc.line + 1 != start:
        raise NotFixable(f"the object's document is not at {rel}:{start}")
    if document.get("kind") != resource.type:
        raise NotFixable(f"the object's document is not at {rel}:{start}")
    doc_path = _doc_path(document, parts)
    if doc_path is None:
        raise NotFixable(f"{parent} is not written in {rel} as the object has it")
    line = resource.line_of(parent)
    return Located(YamlTarget(rel, index, doc_path, value), f"{rel}:{line}", path=path, at=(rel, line))


def _kubernetes_in_terraform(resource: Resource, path: str, value: Any, texts: Texts) -> Located:
    """An object written as a Terraform `kubernetes_*` resource: the HCL argument that set the value (its
    line is the Kubernetes path's), followed to its origin like any Terraform value. A missing setting is
    not added: its snake_case block nesting is the provider's, not the object's."""
    rel = resource.location.file
    line = resource.attribute_lines.get(path)
    if not line or line == resource.location.start_line:
        where = path.rsplit(".", 1)[-1]
        raise NotFixable(f"the object is written as a Terraform kubernetes_* resource: add {where} to its HCL by hand")
    block = _resource_block(resource, texts)
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", path.rsplit(".", 1)[-1]).lower()
    found = _attribute_at(block, line, name, [("resource", *block.labels)])
    if found is None:
        raise NotFixable(f"{name} is not written at {rel}:{line}")
    structure, attribute = found
    return _follow(resource, path, attribute, (rel, tuple(structure)), value, texts)


def _attribute_at(
    block: hcl.Block, line: int, name: str, structure: list[tuple[str, ...]]
) -> tuple[list[tuple[str, ...]], hcl.Attribute] | None:
    """The attribute `name` at `line` inside `block`, with the path of static nested blocks to it."""
    attribute = block.attributes.get(name)
    if attribute is not None and attribute.line == line:
        return structure, attribute
    for nested in block.blocks:
        if nested.type == "dynamic" or not nested.line <= line <= nested.end_line:
            continue
        if any(b.type == "dynamic" and b.labels[:1] == [nested.type] for b in block.blocks):
            return None
        index = [b for b in block.blocks if b.type == nested.type].index(nested)
        return _attribute_at(nested, line, name, [*structure, (nested.type, str(index))])
    return None


def _document_at(texts: Texts, rel: str, line: int) -> tuple[int, int, Any]:
    try:
        return yamltext.document_at(texts(rel), rel, line)
    except FixFailed as exc:
        raise NotFixable(str(exc)) from exc


def _doc_path(document: Any, parts: list[str]) -> tuple[str | int, ...] | None:
    """The resource path as keys and indexes of the document, as far as the document has it, then the rest."""
    out: list[str | int] = []
    node = document
    for part in parts:
        if isinstance(node, CommentedSeq):
            if not part.isdigit() or int(part) >= len(node):
                return None
            out.append(int(part))
            node = node[int(part)]
        elif isinstance(node, CommentedMap):
            out.append(part)
            node = node.get(part)
        else:
            out.append(part)
            node = None
    return tuple(out)


def _existing_yaml(resource: Resource, path: str, value: Any, texts: Texts) -> Located:
    """The value is written somewhere: the line that set it, in the manifest or a kustomize patch."""
    line = resource.attribute_lines.get(path)
    rel = resource.file_of(path)
    if not line:
        raise NotFixable(f"the line that sets {path} is not known")
    if rel.endswith(".json"):
        raise NotFixable(f"{rel} is JSON, which iacgate does not edit")
    key = path.rsplit(".", 1)[-1]
    index, offset, document = _document_at(texts, rel, line)
    found = _key_at(document, key, line - 1 - offset, ())
    if found is None:
        raise NotFixable(f"{key} is not written at {rel}:{line}")
    return Located(YamlTarget(rel, index, found, value), f"{rel}:{line}", path=path, at=(rel, line))


def _key_at(node: Any, key: str, row: int, prefix: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    if isinstance(node, CommentedMap):
        for name, child in node.items():
            if name == key and node.lc.key(name)[0] == row:
                return (*prefix, name)
            found = _key_at(child, key, row, (*prefix, name))
            if found is not None:
                return found
    elif isinstance(node, CommentedSeq):
        for index, child in enumerate(node):
            found = _key_at(child, key, row, (*prefix, index))
            if found is not None:
                return found
    return None


# Dockerfile ---------------------------------------------------------------------------------------------


_INSTRUCTION = re.compile(r"instructions\.(\d+)$")


def _dockerfile(finding: Finding, spec: FixSpec) -> Located:
    resource = finding.resource
    stage = int(resource.attributes.get("index", 0))
    if isinstance(spec, SetValue):
        raise NotFixable("a Dockerfile fix rewrites or inserts an instruction")
    if isinstance(spec, InsertInstruction):
        text = spec.choose(resource) if spec.choose else spec.text
        if text.startswith("not:"):
            raise NotFixable(text.removeprefix("not:").strip())
        target = DockerfileTarget(resource.location.file, stage, None, spec, text)
        at = (resource.location.file, resource.location.start_line)
        return Located(target, f"{at[0]}:{at[1]} ({resource.address})", at=at)
    match = _INSTRUCTION.match(finding.attribute or "")
    if match is None:
        raise NotFixable("the finding does not point at one instruction")
    target = DockerfileTarget(resource.location.file, stage, int(match.group(1)), spec)
    at = (finding.location.file, finding.location.start_line)
    return Located(target, f"{at[0]}:{at[1]}", at=at)
