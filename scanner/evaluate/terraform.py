"""Terraform evaluation: modules, variables, locals, count/for_each, dynamic blocks -> Resources.

Everything is evaluated lazily and memoised (a variable, local, output, resource attribute or
module call is computed the first time something needs it), so file and block order never
matter and only real dependency cycles show up (as Unknown, never a crash).

Which directories are root modules: every directory with .tf files that no other scanned module
calls through a local `source`. A directory that is called is evaluated only through its callers
(once per call instance, with the caller's inputs), so an `examples/complete` calling `../../`
checks the module with the example's values and the module is not reported a second time with
its bare defaults. Directories only reachable through a module cycle are evaluated as roots.

`count`/`for_each` that cannot be computed give ONE resource with the plain address
(`aws_instance.web`), `count.index`/`each.*` unknown and `TerraformMeta.instances` saying why, so the
configuration is still checked and nothing is silently dropped.
"""

from __future__ import annotations

import base64
import json
import os
import posixpath
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from scanner.evaluate import budget, google_iam_policy, iam_policy
from scanner.evaluate.budget import (
    MAX_CHARS,
    STEPS_PER_EXPRESSION,
    STEPS_PER_ROOT,
    STEPS_PER_SCAN,
    Budget,
    OverBudget,
    check_size,
)
from scanner.evaluate.hcl_expr import TRACE_PREFIX, Computed, Env, opaque, render_template
from scanner.evaluate.hcl_expr import evaluate as eval_expr
from scanner.evaluate.tf_functions import EvalError, to_bool, to_number, to_set, to_string
from scanner.files import read_regular, refusal
from scanner.parsers import decode
from scanner.parsers.terraform import (
    Attribute,
    Block,
    TerraformFile,
    parse,
    parse_expression,
    parse_template,
    parse_tfvars,
)
from scanner.records import Location, PartialDocument, Resource, ScanError, TerraformMeta, Unknown, excerpt

_META_ARGS = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
_MODULE_ARGS = {"source", "version", "count", "for_each", "providers", "depends_on"}
_RECURSION_LIMIT = 8000  # about 300 chained locals; deeper chains become Unknown, never a crash
_MAX_INSTANCES = 1000  # a count/for_each bigger than this is treated as unknown (keeps scans bounded)
# Data sources whose output the evaluator computes from their arguments: attribute names, renderer.
_RENDERED_DATA = {
    "aws_iam_policy_document": (("json", "minified_json"), iam_policy.render),
    "google_iam_policy": (("policy_data",), google_iam_policy.render),
}

# resource and module instances of one scan, all module levels together: a module with count 1000
# calling a resource with count 1000 would be a million (the corpus has 3,773 in all)
MAX_INSTANCES_PER_SCAN = 25_000


@dataclass
class Evaluation:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


@dataclass
class Memo:
    value: Any
    trace: tuple[Location, ...] = ()
    refs: tuple[str, ...] = ()


_IN_PROGRESS = Memo(Unknown("dependency cycle"))


class ModuleDef:
    """The blocks of one module directory, gathered from all its files."""

    def __init__(self, directory: str, files: list[TerraformFile]) -> None:
        self.directory = directory
        self.variables: dict[str, tuple[Block, str]] = {}
        self.locals: dict[str, tuple[Attribute, str]] = {}
        self.resources: dict[tuple[str, str], tuple[Block, str]] = {}
        self.data: dict[tuple[str, str], tuple[Block, str]] = {}
        self.modules: dict[str, tuple[Block, str]] = {}
        self.outputs: dict[str, tuple[Block, str]] = {}
        # `provider "aws" { alias = "west" }` -> ("aws", "west"); checks judge them (hard-coded credentials)
        self.providers: dict[tuple[str, str], tuple[Block, str]] = {}
        # (block kind, key) -> top-level argument or nested block type -> (override file, line)
        self.overridden: dict[tuple[str, Any], dict[str, tuple[str, int]]] = {}
        self.required_providers: dict[str, str] = {}  # provider source -> version constraint
        primary = sorted((f for f in files if not _is_override(f.rel)), key=lambda f: f.rel)
        for file in primary:
            for block in file.blocks:
                labels = block.labels
                if block.type == "resource" and len(labels) == 2:
                    self.resources[(labels[0], labels[1])] = (block, file.rel)
                elif block.type == "data" and len(labels) == 2:
                    self.data[(labels[0], labels[1])] = (block, file.rel)
                elif block.type == "variable" and labels:
                    self.variables[labels[0]] = (block, file.rel)
                elif block.type == "module" and labels:
                    self.modules[labels[0]] = (block, file.rel)
                elif block.type == "output" and labels:
                    self.outputs[labels[0]] = (block, file.rel)
                elif block.type == "locals":
                    for name, attr in block.attributes.items():
                        self.locals[name] = (attr, file.rel)
                elif block.type == "terraform":
                    for nested in block.blocks:
                        if nested.type == "required_providers":
                            self.required_providers.update(_provider_constraints(nested))
                elif block.type == "provider" and labels:
                    self.providers[(labels[0], _provider_alias(block))] = (block, file.rel)
        for file in sorted((f for f in files if _is_override(f.rel)), key=lambda f: f.rel):
            self._merge_override(file)

    def _merge_override(self, file: TerraformFile) -> None:
        """Merge an override file as Terraform does: arguments replace arguments, and a nested block
        type replaces every nested block of that type; an override with no original is ignored."""
        tables: dict[str, dict[Any, tuple[Block, str]]] = {
            "resource": self.resources, "data": self.data, "variable": self.variables,
            "module": self.modules, "output": self.outputs,
        }  # fmt: skip
        for block in file.blocks:
            if block.type == "locals":
                for name, attr in block.attributes.items():
                    self.locals[name] = (attr, file.rel)
                continue
            table = tables.get(block.type)
            key: Any = (
                tuple(block.labels) if block.type in ("resource", "data") else block.labels[0] if block.labels else None
            )
            if table is None or key not in table:
                continue
            original, rel = table[key]
            replaced = {b.type for b in block.blocks}
            merged = Block(
                original.type,
                original.labels,
                {**original.attributes, **block.attributes},
                [b for b in original.blocks if b.type not in replaced] + list(block.blocks),
                original.line,
                original.end_line,
            )
            table[key] = (merged, rel)
            origin = self.overridden.setdefault((block.type, key), {})
            for name, attr in block.attributes.items():
                origin[name] = (file.rel, attr.line)
            for nested in block.blocks:
                origin.setdefault(nested.labels[0] if nested.type == "dynamic" and nested.labels else nested.type,
                                  (file.rel, nested.line))  # fmt: skip

    def local_sources(self) -> list[str]:
        """Directories this module calls through `./` or `../` sources (literal strings only)."""
        out = []
        for block, _ in self.modules.values():
            source = block.attributes.get("source")
            if source is not None and source.expr[0] == "lit" and _is_local(str(source.expr[1])):
                out.append(posixpath.normpath(posixpath.join(self.directory or ".", source.expr[1])))
        return out


def _provider_constraints(block: Block) -> dict[str, str]:
    """Source -> version constraint of a `required_providers` block (literal values only).

    `azurerm = { source = "hashicorp/azurerm", version = "~> 3.0" }`, or the legacy `azurerm = "~> 2.0"`;
    a provider without a source is `hashicorp/<name>`, as Terraform assumes."""
    found: dict[str, str] = {}
    for name, attribute in block.attributes.items():
        value = _guard(partial(eval_expr, attribute.expr, Env(_Literal())), f"provider {name}")
        source: Any = f"hashicorp/{name}"
        version: Any = value
        if isinstance(value, dict):
            source = value.get("source") if isinstance(value.get("source"), str) else source
            version = value.get("version")
        if isinstance(version, str) and isinstance(source, str):
            found[source.lower()] = version
    return found


def _is_override(rel: str) -> bool:
    """Terraform's override files: override.tf, *_override.tf (and their .tf.json forms)."""
    name = posixpath.basename(rel)
    stem = name[: -len(".tf.json")] if name.endswith(".tf.json") else name[: -len(".tf")]
    return stem == "override" or stem.endswith("_override")


def _is_local(source: str) -> bool:
    return source.startswith(("./", "../")) or source in (".", "..")


class Context:
    """State shared by every module instance of one evaluation."""

    def __init__(
        self,
        defs: dict[str, ModuleDef],
        tfvars: list[TerraformFile],
        root: Path | None,
        var_files: list[Path],
        variables: Mapping[str, str],
        environ: Mapping[str, str],
    ) -> None:
        self.defs = defs
        self.tfvars = tfvars
        self.root = root
        self.variables = variables
        self.environ = environ
        self.errors: list[ScanError] = []
        self.instantiated: set[str] = set()
        self.instances_left = MAX_INSTANCES_PER_SCAN
        self.var_files: list[TerraformFile] = []
        for path in var_files:
            rel = self.rel_of(path)
            try:
                text = decode(read_regular(path))
            except OSError as exc:
                self.errors.append(ScanError(rel, None, f"cannot read --var-file: {refusal(exc)}"))
                continue
            except UnicodeDecodeError as exc:
                self.errors.append(ScanError(rel, None, f"--var-file is not UTF-8 or UTF-16 text (byte {exc.start})"))
                continue
            parsed = parse_tfvars(text, rel)
            self.errors.extend(parsed.errors)
            if parsed.payload is not None:
                self.var_files.append(parsed.payload)

    def rel_of(self, path: Path) -> str:
        if self.root is not None:
            try:
                return Path(path).resolve().relative_to(self.root).as_posix()
            except ValueError:
                pass
        return str(path)

    def load_dir(self, directory: str) -> ModuleDef | None:
        """A module directory: scanned, or read directly (installed remote modules under .terraform/)."""
        if directory in self.defs:
            return self.defs[directory]
        if self.root is None or ".terraform/" not in directory + "/":
            return None
        folder = (self.root / directory).resolve()
        if not folder.is_dir() or not folder.is_relative_to(self.root.resolve()):
            return None  # never read outside the scanned root, even through a symlink
        files: list[TerraformFile] = []
        for path in sorted(folder.iterdir()):
            if path.suffix != ".tf" or not path.is_file() or not path.resolve().is_relative_to(self.root.resolve()):
                continue
            rel = f"{directory}/{path.name}" if directory else path.name
            try:
                text = read_regular(path).decode("utf-8-sig", errors="replace")
            except OSError as exc:
                self.errors.append(ScanError(rel, None, f"cannot read: {refusal(exc)}"))
                continue
            parsed = parse(text, rel)
            self.errors.extend(parsed.errors)
            if parsed.payload is not None:
                files.append(parsed.payload)
        self.defs[directory] = ModuleDef(directory, files)
        return self.defs[directory]

    def why_not_loaded(self, name: str, directory: str, source: str) -> str:
        """A local module directory with no evaluated files: outside the scanned paths (the report root is
        the repository, which may hold more than was scanned), or really without Terraform files."""
        if self.root is not None:
            folder = (self.root / directory).resolve()
            inside = folder.is_relative_to(self.root.resolve())
            if inside and folder.is_dir() and any(folder.glob("*.tf")):
                return f"module {name} not scanned: {source} is outside the scanned paths (scan a folder holding both)"
        return f"module {name}: no Terraform files in {source}"

    def module_manifest(self, root_dir: str) -> dict[str, str]:
        """`.terraform/modules/modules.json` of a root module: module key -> directory."""
        if self.root is None:
            return {}
        path = self.root / root_dir / ".terraform" / "modules" / "modules.json"
        try:
            data = json.loads(read_regular(path))
        except (OSError, ValueError):
            return {}
        out = {}
        for entry in data.get("Modules", []) if isinstance(data, dict) else []:
            if isinstance(entry, dict) and entry.get("Key") and isinstance(entry.get("Dir"), str):
                out[entry["Key"]] = posixpath.normpath(posixpath.join(root_dir or ".", entry["Dir"]))
        return out


class _Literal:
    """Resolver for tfvars files: literals only, no references."""

    def resolve(self, root: str, steps: tuple, env: Env) -> tuple[Any, int]:
        raise EvalError(f"reference to {root} is not allowed here")

    def call(self, name: str, args: list[Any], env: Env) -> Any:
        raise KeyError(name)


def _guard(fn: Callable[[], Any], what: str) -> Any:
    try:
        return fn()
    except (EvalError, OverBudget) as exc:
        return Unknown(f"cannot evaluate {what}: {excerpt(str(exc))}")
    except RecursionError:
        return Unknown(f"cannot evaluate {what}: too deeply nested")
    except Exception as exc:  # an evaluator gap must never stop the scan
        return Unknown(f"cannot evaluate {what}: {type(exc).__name__}: {excerpt(str(exc))}")


def _dedupe(items: list[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(items))


def _key_suffix(key: Any) -> str:
    return f"[{key}]" if isinstance(key, int) else f'["{key}"]'


class Instance:
    """One instance of a module (a root, or one count/for_each instance of a module call)."""

    def __init__(
        self,
        ctx: Context,
        mdef: ModuleDef,
        prefix: str,
        root_dir: str,
        inputs: dict[str, Callable[[], Memo]] | None,
        chain: tuple[str, ...],
        module_key: str = "",
    ) -> None:
        self.ctx, self.mdef, self.prefix, self.root_dir = ctx, mdef, prefix, root_dir
        self.inputs, self.chain, self.module_key = inputs, chain, module_key
        self.memo: dict[tuple, Memo] = {}
        self.resource_instances: dict[tuple, list[ResourceInstance]] = {}
        self.calls: dict[str, ModuleCall] = {}
        self.root_values: dict[str, Memo] | None = None
        self.each_key: Any = None  # the for_each key of a module call instance
        self.called_by: tuple[Location, ...] = ()  # the `module` blocks from the root down to this instance
        self.provider_versions: dict[str, str] = dict(mdef.required_providers)  # callers' fill the gaps
        ctx.instantiated.add(mdef.directory)

    # memoisation --------------------------------------------------------------------------------
    def _memo(self, key: tuple, compute: Callable[[], Memo]) -> Memo:
        found = self.memo.get(key)
        if found is not None:
            return found
        self.memo[key] = _IN_PROGRESS
        result = compute()
        self.memo[key] = result
        return result

    def evaluate(self, node: tuple, names: dict[str, Any] | None, what: str) -> Memo:
        env = Env(self, names)
        with budget.current.allowance(STEPS_PER_EXPRESSION):
            value = _guard(lambda: check_size(eval_expr(node, env)), what)
        return Memo(value, _dedupe(env.trace), _dedupe(env.refs))

    # Resolver -----------------------------------------------------------------------------------
    def resolve(self, root: str, steps: tuple, env: Env) -> tuple[Any, int]:
        if root in ("each", "count"):
            raise EvalError(f"{root} is only valid with {'for_each' if root == 'each' else 'count'}")
        if root == "self":
            return Unknown("self reference"), len(steps)
        if not steps or steps[0][0] != "attr":
            raise EvalError(f"invalid reference {root}")
        name = steps[0][1]
        if root == "var":
            return self._use(self.var(name), env), 1
        if root == "local":
            return self._use(self.local(name), env), 1
        if root == "path":
            if name == "module":
                return posixpath.relpath(self.mdef.directory or ".", self.root_dir or "."), 1
            return ".", 1
        if root == "terraform":
            return ("default" if name == "workspace" else Unknown(f"terraform.{name}")), 1
        if root == "module":
            return self._module_ref(name, steps, env)
        if root == "data":
            if len(steps) < 2 or steps[1][0] != "attr":
                raise EvalError("invalid data reference")
            return self._instance_ref("data", (name, steps[1][1]), steps, 2, env)
        if (root, name) in self.mdef.resources:
            return self._instance_ref("resource", (root, name), steps, 1, env)
        raise EvalError(f"reference to undeclared {root}.{name}")

    def call(self, name: str, args: list[Any], env: Env) -> Any:
        if name in ("file", "templatefile", "fileexists", "filebase64", "fileset"):
            return self._file_function(name, args)
        raise KeyError(name)  # timestamp(), uuid()...: the caller makes it Unknown, naming the function

    def _use(self, memo: Memo, env: Env) -> Any:
        env.trace.extend(memo.trace)
        env.refs.extend(memo.refs)
        return memo.value

    # variables, locals, outputs ---------------------------------------------------------------
    def var(self, name: str) -> Memo:
        return self._memo(("var", name), lambda: self._var(name))

    def _var(self, name: str) -> Memo:
        declared = self.mdef.variables.get(name)
        if declared is None:
            return Memo(Unknown(f"variable {name} is not declared"))
        block, rel = declared
        type_attr = block.attributes.get("type")
        type_node = type_attr.expr if type_attr else None
        memo: Memo | None = None
        if self.inputs is not None:
            supplier = self.inputs.get(name)
            memo = supplier() if supplier else None
        else:
            memo = self._root_value(name, type_node)
        default = block.attributes.get("default")
        if default is not None and (memo is None or (memo.value is None and _nullable_false(block))):
            memo = self.evaluate(default.expr, None, f"default of variable {name}")
            memo = Memo(memo.value, (Location(rel, default.line, default.end_line, note="variable default"),))
        if memo is None:
            return Memo(Unknown(f"variable {name} has no value"))
        if type_node is not None and not isinstance(memo.value, Unknown):
            memo = Memo(_guard(partial(convert, memo.value, type_node), f"variable {name}"), memo.trace, memo.refs)
        return memo

    def _root_value(self, name: str, type_node: tuple | None) -> Memo | None:
        if self.root_values is None:
            self.root_values = self._collect_root_values()
        found = self.root_values.get(name)
        if found is None:
            return None
        if isinstance(found.value, _Raw):  # env/--var strings: parsed by the declared type
            value = _guard(lambda: _raw_value(found.value.text, type_node), f"variable {name}")
            return Memo(value, found.trace)
        return found

    def _collect_root_values(self) -> dict[str, Memo]:
        """Terraform's precedence, lowest first: TF_VAR_*, terraform.tfvars, terraform.tfvars.json,
        *.auto.tfvars(.json) in lexical order, then --var-file and --var."""
        values: dict[str, Memo] = {}
        for key in sorted(self.ctx.environ):
            if key.startswith("TF_VAR_"):
                values[key[7:]] = Memo(_Raw(self.ctx.environ[key]), (Location("<environment>", 1, note=key),))
        here = [f for f in self.ctx.tfvars if posixpath.dirname(f.rel) == self.mdef.directory]

        def rank(file: TerraformFile) -> tuple[int, str]:
            base = posixpath.basename(file.rel)
            order = {"terraform.tfvars": 0, "terraform.tfvars.json": 1}
            if base in order:
                return order[base], base
            return (2, base) if base.endswith((".auto.tfvars", ".auto.tfvars.json")) else (9, base)

        for file in [*sorted((f for f in here if rank(f)[0] < 9), key=rank), *self.ctx.var_files]:
            note = posixpath.basename(file.rel)
            for name, attr in file.attributes.items():
                env = Env(_Literal())
                value = _guard(partial(eval_expr, attr.expr, env), f"{name} in {note}")
                values[name] = Memo(value, (Location(file.rel, attr.line, attr.end_line, note=note),))
        for name, text in self.ctx.variables.items():
            values[name] = Memo(_Raw(text), (Location("<command line>", 1, note=f"--var {name}"),))
        return values

    def local(self, name: str) -> Memo:
        return self._memo(("local", name), lambda: self._local(name))

    def _local(self, name: str) -> Memo:
        found = self.mdef.locals.get(name)
        if found is None:
            return Memo(Unknown(f"local.{name} is not declared"))
        attr, rel = found
        memo = self.evaluate(attr.expr, None, f"local.{name}")
        here = Location(rel, attr.line, attr.end_line, note=f"local.{name}")
        return Memo(memo.value, (here, *memo.trace), memo.refs)

    def output(self, name: str) -> Memo:
        return self._memo(("output", name), lambda: self._output(name))

    def _output(self, name: str) -> Memo:
        found = self.mdef.outputs.get(name)
        value_attr = found[0].attributes.get("value") if found else None
        if found is None or value_attr is None:
            return Memo(Unknown(f"output {name} is not declared in {self.mdef.directory or '.'}"))
        memo = self.evaluate(value_attr.expr, None, f"output {name}")
        here = Location(found[1], value_attr.line, value_attr.end_line, note=f"output {self.prefix}{name}")
        return Memo(memo.value, (here, *memo.trace), memo.refs)

    # resources and data sources ---------------------------------------------------------------
    def instances(self, kind: str, key: tuple[str, str]) -> list[ResourceInstance]:
        cache_key = (kind, *key)
        if cache_key not in self.resource_instances:
            self.resource_instances[cache_key] = []  # guards count/for_each that refers to itself
            table = self.mdef.resources if kind == "resource" else self.mdef.data
            block, rel = table[key]
            base = f"{self.prefix}{'data.' if kind == 'data' else ''}{key[0]}.{key[1]}"
            self.resource_instances[cache_key] = [
                ResourceInstance(self, kind, key, block, rel, address, names, mode)
                for address, names, mode in self._expand(block, rel, base, base)
            ]
        return self.resource_instances[cache_key]

    def _expand(self, block: Block, rel: str, base: str, what: str) -> list[tuple[str, dict[str, Any], str]]:
        """(address, bound names, mode) per instance of a block with count/for_each."""
        if "count" in block.attributes:
            memo = self.evaluate(block.attributes["count"].expr, None, f"count of {what}")
            value = memo.value
            if not isinstance(value, Unknown):
                value = _guard(lambda: int(to_number(value)), f"count of {what}")
            if not isinstance(value, Unknown) and value > self.ctx.instances_left:
                value = Unknown(f"count {value} over the instances left of {MAX_INSTANCES_PER_SCAN:,} per scan")
            if isinstance(value, Unknown) or value > _MAX_INSTANCES:
                reason = value.reason if isinstance(value, Unknown) else f"count {value} too large"
                unknown = Unknown(f"count of {what} is unknown ({reason})")
                return [(base, {"count": {"index": unknown}}, f"unknown: {reason}")]
            self.ctx.instances_left -= max(value, 0)
            return [(f"{base}[{i}]", {"count": {"index": i}}, "count") for i in range(max(value, 0))]
        if "for_each" in block.attributes:
            attr = block.attributes["for_each"]
            memo = self.evaluate(attr.expr, None, f"for_each of {what}")
            value = memo.value
            items = None if isinstance(value, Unknown) else _guard(lambda: _each_items(value), f"for_each of {what}")
            if isinstance(items, list) and len(items) > self.ctx.instances_left:
                items = Unknown(f"{len(items)} instances, over those left of {MAX_INSTANCES_PER_SCAN:,} per scan")
            if items is None or isinstance(items, Unknown) or len(items) > _MAX_INSTANCES:
                reason = value.reason if isinstance(value, Unknown) else getattr(items, "reason", "too many instances")
                unknown = Unknown(f"for_each of {what} is unknown ({reason})")
                return [(base, {"each": {"key": unknown, "value": unknown}}, f"unknown: {reason}")]
            self.ctx.instances_left -= len(items)
            origin = (Location(rel, attr.line, attr.end_line, note=f"for_each of {what}"), *memo.trace)
            return [
                (f"{base}{_key_suffix(k)}", {"each": {"key": k, "value": v}, TRACE_PREFIX + "each": origin}, "for_each")
                for k, v in items
            ]
        return [(base, {}, "single")]

    def _instance_ref(self, kind: str, key: tuple[str, str], steps: tuple, used: int, env: Env) -> tuple[Any, int]:
        if kind == "data" and key not in self.mdef.data:
            raise EvalError(f"reference to undeclared data.{key[0]}.{key[1]}")
        instances = self.instances(kind, key)
        if not instances:
            mode = _mode_of(self.mdef.resources[key][0] if kind == "resource" else self.mdef.data[key][0])
            return ([] if mode == "count" else {}), used
        mode = instances[0].mode
        selected: Any
        if mode.startswith("unknown"):
            selected = instances[0]
            if used < len(steps) and steps[used][0] == "index":
                used += 1  # the one stand-in instance answers for every key
            elif _mode_of(selected.block) != "single":  # the whole collection: its size is not known
                env.refs.append(selected.address)
                return Unknown(f"instances of {selected.address} are unknown ({mode[9:]})"), len(steps)
        elif mode == "single":
            selected = instances[0]
        elif used < len(steps) and steps[used][0] == "index":
            index = eval_expr(steps[used][1], env)
            if isinstance(index, Unknown):
                env.refs.extend(i.address for i in instances)
                return opaque(index), len(steps)
            used += 1
            wanted = _key_suffix(int(to_number(index)) if mode == "count" else to_string(index))
            selected = next((i for i in instances if i.address.endswith(wanted)), None)
            if selected is None:
                raise EvalError(f"no instance {wanted} of {instances[0].address.rsplit('[', 1)[0]}")
        else:
            env.refs.extend(i.address for i in instances)
            objects = [i.as_object() for i in instances]
            if mode == "count":
                return objects, used
            return {i.names["each"]["key"]: o for i, o in zip(instances, objects, strict=True)}, used
        env.refs.append(selected.address)
        if used < len(steps) and steps[used][0] == "attr":
            memo = selected.attr(steps[used][1])
            env.refs.extend(memo.refs)
            return _computed(memo.value, selected.address, selected.template), used + 1
        return selected.as_object(), used

    # module calls ---------------------------------------------------------------------------------
    def module_call(self, name: str) -> ModuleCall:
        if name not in self.calls:
            self.calls[name] = ModuleCall(self, name)
        return self.calls[name]

    def _module_ref(self, name: str, steps: tuple, env: Env) -> tuple[Any, int]:
        if name not in self.mdef.modules:
            raise EvalError(f"reference to undeclared module.{name}")
        call = self.module_call(name)
        if call.unknown is not None:
            return call.unknown, len(steps)
        used = 1
        children = call.children
        mode = call.mode
        if mode.startswith("unknown"):
            if used < len(steps) and steps[used][0] == "index":
                used += 1  # the stand-in child answers for every key
            else:
                return Unknown(f"instances of module.{name} are unknown ({mode[9:]})"), len(steps)
        elif mode in ("count", "for_each"):
            if used < len(steps) and steps[used][0] == "index":
                index = eval_expr(steps[used][1], env)
                if isinstance(index, Unknown):
                    return opaque(index), len(steps)
                used += 1
                wanted = _key_suffix(int(to_number(index)) if mode == "count" else to_string(index))
                child = next((c for c in children if c.prefix.endswith(wanted + ".")), None)
                if child is None:
                    raise EvalError(f"no instance {wanted} of module.{name}")
                children = [child]
            else:
                values = [c.all_outputs(env) for c in children]
                if mode == "count":
                    return values, used
                return {c.each_key: v for c, v in zip(children, values, strict=True)}, used
        child = children[0]
        if used < len(steps) and steps[used][0] == "attr":
            return self._use(child.output(steps[used][1]), env), used + 1
        return child.all_outputs(env), used

    def all_outputs(self, env: Env) -> dict[str, Any]:
        return {name: self._use(self.output(name), env) for name in sorted(self.mdef.outputs)}

    # files --------------------------------------------------------------------------------------
    def _file_function(self, name: str, args: list[Any]) -> Any:
        if not args or not isinstance(args[0], str):
            raise EvalError(f"{name}() needs a path")
        if self.ctx.root is None:
            return Unknown(f"{name}() without a scan root")
        module_dir = (self.ctx.root / self.mdef.directory).resolve()
        # as in Terraform, relative paths are relative to the root module (where terraform runs);
        # modules use "${path.module}/..." which is relative to it too
        target = (self.ctx.root / self.root_dir / args[0]).resolve()
        allowed = [module_dir, (self.ctx.root / self.root_dir).resolve(), self.ctx.root.resolve()]
        if not any(target == a or a in target.parents for a in allowed):
            return Unknown(f"{name}({args[0]!r}) is outside the scanned directory")
        if name == "fileexists":
            return target.is_file()
        if name == "fileset":
            if len(args) < 2 or not isinstance(args[1], str):
                raise EvalError("fileset() needs a path and a pattern")
            if not target.is_dir():
                return []
            found = {
                p.relative_to(target).as_posix()
                for pattern in _braces(args[1])
                for p in target.glob(pattern)
                if p.is_file() and not p.is_symlink()
            }
            return sorted(found)
        try:
            data = read_regular(target, MAX_CHARS)  # a FIFO or /dev/zero inside the tree is refused, not read
        except OSError as exc:
            raise EvalError(f"{name}: cannot read {excerpt(args[0], 80)}: {refusal(exc)}") from None
        if name == "filebase64":
            return base64.b64encode(data).decode()
        text = data.decode("utf-8", errors="replace")
        if name == "file":
            return text
        variables = args[1] if len(args) > 1 else {}
        if isinstance(variables, Unknown):
            return opaque(variables)
        if not isinstance(variables, dict):
            raise EvalError("templatefile: variables must be a map")
        return render_template(parse_template(text), Env(_Literal(), dict(variables)))

    # output -------------------------------------------------------------------------------------
    def emit(self, out: list[Resource]) -> None:
        for key in sorted(self.mdef.resources):
            for instance in self.instances("resource", key):
                out.append(instance.to_resource())
        for (name, alias), (block, rel) in sorted(self.mdef.providers.items()):
            address = f"{self.prefix}provider.{name}" + (f".{alias}" if alias else "")
            key = (f"provider.{name}", alias)
            out.append(ResourceInstance(self, "provider", key, block, rel, address, {}, "single").to_resource())
        for name in sorted(self.mdef.modules):
            for child in self.module_call(name).children:
                child.emit(out)


def _braces(pattern: str) -> list[str]:
    """Expand `{a,b}` alternatives (fileset supports them, pathlib's glob does not)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [p for option in match.group(1).split(",") for p in _braces(head + option + tail)]


def _provider_alias(block: Block) -> str:
    """The literal alias of a provider block ("" for the default configuration)."""
    alias = block.attributes.get("alias")
    return str(alias.expr[1]) if alias is not None and alias.expr[0] == "lit" else ""


def _mode_of(block: Block) -> str:
    return "count" if "count" in block.attributes else "for_each" if "for_each" in block.attributes else "single"


def _nullable_false(block: Block) -> bool:
    nullable = block.attributes.get("nullable")
    return nullable is not None and nullable.expr == ("lit", False)


def _each_items(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        return [(k, value[k]) for k in sorted(value)]
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Unknown):
                raise EvalError(f"for_each set element unknown ({item.reason})")
        return [(to_string(v), v) for v in to_set(value)]
    if value is None:
        raise EvalError("for_each over null")
    raise EvalError(f"for_each over {type(value).__name__}")


class _Raw:
    """A TF_VAR_ / --var string, interpreted by the variable's declared type."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _raw_value(text: str, type_node: tuple | None) -> Any:
    if type_node is None or type_node[0] == "ref" and type_node[1] in ("string", "any"):
        return text
    if type_node[0] == "ref":
        return text  # number/bool: converted by convert()
    return eval_expr(parse_expression(text), Env(_Literal()))


def convert(value: Any, type_node: tuple) -> Any:
    """Apply a variable's type constraint: primitive conversion and optional() attribute defaults."""
    if value is None or isinstance(value, Unknown):
        return value
    if type_node[0] == "ref" and not type_node[2]:
        name = type_node[1]
        if name == "string" and isinstance(value, (int, float, bool)):
            return to_string(value)
        if name == "number" and isinstance(value, str):
            return to_number(value)
        if name == "bool" and isinstance(value, str):
            return to_bool(value)
        return value
    if type_node[0] != "call":
        return value
    kind, args = type_node[1], type_node[2]
    if kind in ("list", "set") and args and isinstance(value, list):
        items = [convert(v, args[0]) for v in value]
        return to_set(items) if kind == "set" else items
    if kind == "map" and args and isinstance(value, dict):
        return {k: convert(v, args[0]) for k, v in value.items()}
    if kind == "object" and args and args[0][0] == "object" and isinstance(value, dict):
        out = dict(value)
        for _, key_node, attr_type, _line in args[0][1]:
            key = key_node[1] if key_node[0] == "lit" else None
            if key is None:
                continue
            if attr_type[0] == "call" and attr_type[1] == "optional":
                inner = attr_type[2][0] if attr_type[2] else ("ref", "any", ())
                if out.get(key) is None:
                    out[key] = eval_expr(attr_type[2][1], Env(_Literal())) if len(attr_type[2]) > 1 else None
                out[key] = convert(out[key], inner)
            elif key in out:
                out[key] = convert(out[key], attr_type)
        return out
    if kind == "tuple" and args and args[0][0] == "tuple" and isinstance(value, list):
        return [convert(v, t) for v, t in zip(value, args[0][1], strict=False)]
    return value


class ResourceInstance:
    """One instance of a resource or data block: attributes evaluated lazily, then the Resource."""

    def __init__(
        self,
        module: Instance,
        kind: str,
        key: tuple[str, str],
        block: Block,
        rel: str,
        address: str,
        names: dict[str, Any],
        mode: str,
    ) -> None:
        self.module, self.kind, self.key, self.block, self.rel = module, kind, key, block, rel
        self.address, self.names, self.mode = address, names, mode
        self.attr_memo: dict[str, Memo] = {}
        self.lines: dict[str, int] = {}
        self.provenance: dict[str, list[Location]] = {}
        self.references: list[tuple[str, str]] = []
        self.unexpanded: set[str] = set()  # paths of dynamic blocks whose for_each is unknown

    def unknown(self, name: str) -> Unknown:
        if self.kind == "data":
            return Unknown(f"data source {self.key[0]}.{self.key[1]} ({name})")
        return Unknown(f"{self.address}.{name} is known only after apply")

    def attr(self, name: str) -> Memo:
        found = self.attr_memo.get(name)
        if found is not None:
            return found
        self.attr_memo[name] = _IN_PROGRESS
        self.attr_memo[name] = result = self._attr(name)
        return result

    def _attr(self, name: str) -> Memo:
        attribute = self.block.attributes.get(name)
        if attribute is not None and name not in _META_ARGS:
            memo = self.module.evaluate(attribute.expr, self.names, f"{self.address}.{name}")
            self.lines[name] = attribute.line
            _object_lines(attribute.expr, name, self.lines)
            trace = _document_trace(attribute.expr, memo)
            if trace:
                self.provenance[name] = list(trace)
            self.references.extend((name, target) for target in memo.refs)
            return memo
        if any(b.type == name or (b.type == "dynamic" and b.labels[:1] == [name]) for b in self.block.blocks):
            blocks = self._blocks(self.block, self.names, "", only=name)
            return Memo(blocks.get(name, []))
        rendered = _RENDERED_DATA.get(self.key[0]) if self.kind == "data" else None
        if rendered is not None and name in rendered[0]:

            def render() -> Any:
                return rendered[1](self.attributes(), self.address, self.unexpanded)

            return Memo(_guard(render, f"{self.address}.{name}"))
        return Memo(self.unknown(name))

    def _blocks(self, block: Block, names: dict[str, Any], prefix: str, only: str | None = None) -> dict[str, Any]:
        """Nested blocks (and expanded dynamic blocks) of `block` as name -> list of dicts."""
        out: dict[str, Any] = {}
        for nested in block.blocks:
            if nested.type == "dynamic":
                name = nested.labels[0] if nested.labels else "dynamic"
                if only is not None and name != only:
                    continue
                self._dynamic(nested, name, names, prefix, out)
                continue
            if (only is not None and nested.type != only) or (not prefix and nested.type in _META_ARGS):
                continue
            items = out.setdefault(nested.type, [])
            if not isinstance(items, list):
                continue
            path = f"{prefix}{nested.type}.{len(items)}"
            self.lines.setdefault(f"{prefix}{nested.type}", nested.line)
            self.lines[path] = nested.line
            items.append(self._body(nested, names, path + "."))
        return out

    def _dynamic(self, dyn: Block, name: str, names: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
        for_each = dyn.attributes.get("for_each")
        iterator = dyn.attributes.get("iterator")
        var_name = iterator.expr[1] if iterator is not None and iterator.expr[0] == "ref" else name
        content = next((b for b in dyn.blocks if b.type == "content"), None)
        if for_each is None or content is None:
            return
        memo = self.module.evaluate(for_each.expr, names, f"dynamic {name} of {self.address}")
        items = memo.value
        if not isinstance(items, Unknown):
            items = _guard(
                lambda: [(k, v) for k, v in (sorted(items.items()) if isinstance(items, dict) else enumerate(items))],
                f"dynamic {name} of {self.address}",
            )
        self.lines.setdefault(f"{prefix}{name}", dyn.line)
        origin: tuple[Location, ...] = (
            Location(self.rel, for_each.line, for_each.end_line, note=f"dynamic {name} of {self.address}"),
            *memo.trace,
        )
        if isinstance(items, Unknown):
            self.unexpanded.add(f"{prefix}{name}")
            if name not in out:
                out[name] = Unknown(f"dynamic block {name}: {items.reason}")
            return
        existing = out.setdefault(name, [])
        if not isinstance(existing, list):
            return
        for key, value in items:
            path = f"{prefix}{name}.{len(existing)}"
            self.lines[path] = content.line
            bound = {**names, var_name: {"key": key, "value": value}, TRACE_PREFIX + var_name: origin}
            existing.append(self._body(content, bound, path + "."))

    def _body(self, block: Block, names: dict[str, Any], prefix: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, attribute in block.attributes.items():
            memo = self.module.evaluate(attribute.expr, names, f"{self.address}.{prefix}{name}")
            if memo.value is not None:  # null means unset
                values[name] = memo.value
            self.lines[prefix + name] = attribute.line
            _object_lines(attribute.expr, prefix + name, self.lines)
            trace = _document_trace(attribute.expr, memo)
            if trace:
                self.provenance[prefix + name] = list(trace)
            self.references.extend((prefix + name, target) for target in memo.refs)
        values.update(self._blocks(block, names, prefix))
        return values

    def attributes(self) -> dict[str, Any]:
        """Configured arguments; a null argument is omitted, as Terraform treats it as unset."""
        values = {}
        for name in self.block.attributes:
            if name not in _META_ARGS:
                value = self.attr(name).value
                if value is not None:
                    values[name] = value
        values.update(self._blocks(self.block, self.names, ""))
        return values

    @property
    def template(self) -> str:
        """Reason template for attributes read from this instance that configuration does not set."""
        return self.unknown("{key}").reason.replace("{", "{{").replace("}", "}}").replace("{{key}}", "{key}")

    def as_object(self) -> Computed:
        values = self.attributes()
        if self.kind == "data" and self.key[0] in _RENDERED_DATA:  # `x[*].json` renders it too
            values.update({name: self.attr(name).value for name in _RENDERED_DATA[self.key[0]][0]})
        return _computed(values, self.address, self.template)

    def to_resource(self) -> Resource:
        attributes = self.attributes()
        for name, (rel, line) in self.module.mdef.overridden.get((self.kind, self.key), {}).items():
            # the value is written in the override file, not in the block's own file: point there
            for path in [p for p in self.lines if p == name or p.startswith(name + ".")]:
                del self.lines[path]
            note = f"set in override file {posixpath.basename(rel)}"
            self.provenance[name] = [Location(rel, line, line, note=note), *self.provenance.get(name, [])]
        meta = TerraformMeta(
            module=self.module.prefix.rstrip("."),
            called_by=self.module.called_by,
            instances=self.mode if self.mode.startswith("unknown") else "",
            provider_versions=self.module.provider_versions,
        )
        return Resource(
            framework="terraform",
            type=self.key[0],
            address=self.address,
            attributes=attributes,
            location=Location(self.rel, self.block.line, self.block.end_line),
            scope=self.module.root_dir,
            attribute_lines=dict(self.lines),
            provenance=dict(self.provenance),
            references=list(dict.fromkeys(self.references)),
            meta=meta,
        )


def _document_trace(expr: tuple, memo: Memo) -> tuple[Location, ...]:
    """Where an attribute's value comes from. A policy document written in place (a heredoc, or jsonencode of an
    object literal) is its own origin: the variables interpolated into its statements (a region in an ARN) are
    not where the document, or a statement of it that fails a check, comes from. A document held whole by a
    variable, local or module input keeps that trace."""
    written_here = expr[0] in ("tmpl", "lit") or (
        expr[0] == "call" and expr[1] == "jsonencode" and len(expr[2]) == 1 and expr[2][0][0] == "object"
    )
    if memo.trace and written_here and _policy_document(memo.value):
        return ()
    return memo.trace


def _policy_document(value: Any) -> bool:
    """A JSON object with a Statement: an IAM or resource policy, known or partly known."""
    if isinstance(value, PartialDocument):
        return isinstance(value.document, dict) and "Statement" in value.document
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return False
    try:
        document = json.loads(value)
    except json.JSONDecodeError:
        return False
    return isinstance(document, dict) and "Statement" in document


def _object_lines(expr: tuple, path: str, out: dict[str, int]) -> None:
    """Lines of literal keys in an object value (`tags = { Name = ... }` -> `tags.Name`)."""
    if expr[0] != "object":
        return
    for _, key, value, line in expr[1]:
        if key[0] == "lit" and isinstance(key[1], (str, int)):
            out[f"{path}.{key[1]}"] = line
            _object_lines(value, f"{path}.{key[1]}", out)


def _computed(value: Any, address: str, template: str) -> Any:
    """Nested blocks of a resource have computed attributes too (`vpc_config[0].cluster_security_group_id`)."""
    if isinstance(value, dict):
        return Computed({k: _computed(v, address, template) for k, v in value.items()}, address, template)
    if isinstance(value, list):
        return [_computed(v, address, template) for v in value]
    return value


class ModuleCall:
    """A `module` block in one instance: its source resolved and one child Instance per key."""

    def __init__(self, parent: Instance, name: str) -> None:
        self.parent, self.name = parent, name
        self.children: list[Instance] = []
        self.unknown: Unknown | None = None
        block, rel = parent.mdef.modules[name]
        self.mode = _mode_of(block)
        address = f"{parent.prefix}module.{name}"
        target = self._target(block, rel, address)
        if target is None:
            return
        expanded = parent._expand(block, rel, address, address)
        if expanded and expanded[0][2].startswith("unknown"):
            self.mode = expanded[0][2]  # one stand-in child, each/count unknown: still checked
        for child_address, names, _mode in expanded:
            inputs = {
                attr_name: self._input(attr, rel, names, child_address)
                for attr_name, attr in block.attributes.items()
                if attr_name not in _MODULE_ARGS
            }
            key = parent.module_key + ("." if parent.module_key else "") + name
            child = Instance(
                parent.ctx, target, child_address + ".", parent.root_dir, inputs, (*parent.chain, target.directory), key
            )
            if "each" in names:
                child.each_key = names["each"]["key"]
            call = Location(
                rel, block.line, block.end_line, note=f"{child_address} called from {parent.root_dir or '.'}"
            )
            child.called_by = (*parent.called_by, call)
            child.provider_versions = {**parent.provider_versions, **target.required_providers}
            self.children.append(child)

    def _input(self, attr: Attribute, rel: str, names: dict[str, Any], address: str) -> Callable[[], Memo]:
        def supply() -> Memo:
            memo = self.parent.evaluate(attr.expr, names, f"input {attr.name} of {address}")
            here = Location(rel, attr.line, attr.end_line, note=f"module input {address}")
            return Memo(memo.value, (here, *memo.trace), memo.refs)

        cache: list[Memo] = []

        def cached() -> Memo:
            if not cache:
                cache.append(supply())
            return cache[0]

        return cached

    def _target(self, block: Block, rel: str, address: str) -> ModuleDef | None:
        parent, ctx = self.parent, self.parent.ctx
        source_attr = block.attributes.get("source")
        source = source_attr.expr[1] if source_attr is not None and source_attr.expr[0] == "lit" else None
        if not isinstance(source, str):
            self.unknown = Unknown(f"{address}: source is not a literal string")
            ctx.errors.append(ScanError(rel, block.line, f"module {self.name} not scanned: source is not a literal"))
            return None
        if _is_local(source):
            directory = posixpath.normpath(posixpath.join(parent.mdef.directory or ".", source))
            directory = "" if directory == "." else directory
            if directory == ".." or directory.startswith("../"):
                self.unknown = Unknown(f"{address}: source {source} is outside the scanned directory")
                ctx.errors.append(
                    ScanError(rel, block.line, f"module {self.name} not scanned: {source} escapes the scanned root")
                )
                return None
        else:
            key = parent.module_key + ("." if parent.module_key else "") + self.name
            initialised = ctx.module_manifest(parent.root_dir).get(key)
            if initialised is None:
                self.unknown = Unknown(f"remote module {self.name} not initialised ({source})")
                ctx.errors.append(
                    ScanError(
                        rel,
                        block.line,
                        f"module {self.name} not scanned: remote source {source} not initialised (run terraform init)",
                        level="info",
                    )
                )
                return None
            directory = initialised
        target = ctx.load_dir(directory)
        if target is None:
            self.unknown = Unknown(f"{address}: module directory {directory or '.'} not found")
            ctx.errors.append(ScanError(rel, block.line, ctx.why_not_loaded(self.name, directory, source)))
            return None
        if target.directory in parent.chain:
            self.unknown = Unknown(f"{address}: module cycle")
            cycle = " -> ".join([*parent.chain, target.directory])
            ctx.errors.append(ScanError(rel, block.line, f"module cycle: {cycle}"))
            return None
        return target


def evaluate(
    files: list[TerraformFile],
    tfvars: list[TerraformFile],
    *,
    root: Path | None = None,
    var_files: list[Path] | None = None,
    variables: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Evaluation:
    """Evaluate every root module of the scanned files (see the module docstring for which)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))  # lazy evaluation recurses along dependency chains
    budget.current = Budget(STEPS_PER_SCAN)
    try:
        return _evaluate(files, tfvars, root, var_files, variables, environ)
    finally:
        sys.setrecursionlimit(limit)


def _evaluate(
    files: list[TerraformFile],
    tfvars: list[TerraformFile],
    root: Path | None,
    var_files: list[Path] | None,
    variables: Mapping[str, str] | None,
    environ: Mapping[str, str] | None,
) -> Evaluation:
    by_dir: dict[str, list[TerraformFile]] = {}
    for file in files:
        by_dir.setdefault(posixpath.dirname(file.rel), []).append(file)
    defs = {directory: ModuleDef(directory, group) for directory, group in by_dir.items()}
    ctx = Context(
        defs, tfvars, root, list(var_files or []), dict(variables or {}), os.environ if environ is None else environ
    )
    called = {target for mdef in defs.values() for target in mdef.local_sources() if target != mdef.directory}
    called = {("" if c == "." else c) for c in called}
    roots = sorted(d for d in defs if d not in called)
    result = Evaluation()
    pending = list(roots)
    while True:
        for directory in pending:
            emitted: list[Resource] = []
            try:
                with budget.current.allowance(STEPS_PER_ROOT):
                    Instance(ctx, defs[directory], "", directory, None, (directory,)).emit(emitted)
            except RecursionError:
                ctx.errors.append(ScanError(directory or ".", None, "module too deeply nested to evaluate"))
            except Exception as exc:  # an evaluator bug loses this root module, never the scan
                ctx.errors.append(ScanError(directory or ".", None, f"internal evaluator error: {exc!r}"))
            result.resources.extend(emitted)
        pending = sorted(d for d in by_dir if d not in ctx.instantiated)
        if not pending:
            break
        pending = pending[:1]  # one at a time: it may instantiate the others of its cycle
    result.errors = ctx.errors
    return result


def count_unknown(resources: list[Resource]) -> tuple[int, int]:
    """(attribute values left Unknown, all attribute values) over Terraform resources, for the benchmark."""

    def walk(value: Any) -> tuple[int, int]:
        if isinstance(value, Unknown):
            return 1, 1
        if isinstance(value, dict):
            pairs = [walk(v) for v in value.values()]
        elif isinstance(value, list):
            pairs = [walk(v) for v in value]
        else:
            return 0, 1
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    unknown = total = 0
    for resource in resources:
        if resource.framework == "terraform":
            u, t = walk(resource.attributes)
            unknown += u
            total += t
    return unknown, total
