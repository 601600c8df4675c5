"""Type-confusion fuzzing of every stage after parsing: any shape a parser can produce is tolerated.

Real-looking fixtures are mutated (one attribute replaced by a value of any JSON shape: `containers:
5`, `env: "x"`, `ingress = {}`...) and run through evaluation, the graph and every check. A bad
object may be an error naming its file and line, never an exception out of the pipeline. Bounded
and deterministic: derandomized Hypothesis with a fixed number of examples.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.evaluate import evaluate_parsed
from scanner.parsers import parse_bytes
from scanner.registry import Selection
from scanner.scan import judge
from tests.conftest import FIXTURES

FUZZ = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)
ROOT = Path("/nonexistent-fuzz-root")  # nothing is read from disk: the parsed files are all there is

# any shape a YAML or JSON parser produces
SHAPES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _fixtures(*patterns: str) -> list[Path]:
    return sorted(p for pattern in patterns for p in (FIXTURES / "checks").glob(pattern))


def _pipeline(parsed: list, rel: str) -> None:
    resources, errors = evaluate_parsed(parsed, ROOT)
    result = judge(ROOT, [], resources, errors, Selection())
    for error in result.errors:
        assert error.file in (rel, "."), error


# Kubernetes ---------------------------------------------------------------------------------------


@cache
def kubernetes_documents() -> list[dict[str, Any]]:
    docs = []
    for path in _fixtures("IG-K8S-*/*/*.yaml", "IG-X-*/*/*.yaml"):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    return docs


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


def _replace(doc: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        doc = doc[step]
    doc[path[-1]] = value


@st.composite
def confused_manifests(draw: st.DrawFn) -> str:
    docs = kubernetes_documents()
    chosen = [copy.deepcopy(docs[i]) for i in draw(st.lists(st.integers(0, len(docs) - 1), min_size=1, max_size=3))]
    for doc in chosen:
        for _ in range(draw(st.integers(1, 3))):
            paths = [p for p in _paths(doc) if p[0] not in ("apiVersion", "kind")]
            if paths:
                _replace(doc, draw(st.sampled_from(paths)), draw(SHAPES))
    return yaml.safe_dump_all(chosen, sort_keys=False)


@FUZZ
@given(confused_manifests())
def test_kubernetes_objects_of_any_shape_never_stop_the_scan(text: str) -> None:
    rel = "deploy/app.yaml"
    _pipeline([parse_bytes(text.encode(), rel, "kubernetes")], rel)


# Terraform ------------------------------------------------------------------------------------------


@cache
def terraform_files() -> list:
    files = []
    for path in _fixtures("IG-AWS-*/*/*.tf", "IG-AZR-*/*/*.tf", "IG-GCP-*/*/*.tf"):
        parsed = parse_bytes(path.read_bytes(), "main.tf", "terraform")
        if parsed.payload is not None and parsed.payload.blocks:
            files.append(parsed)
    return files


def _blocks(blocks: list) -> list:
    return [b for block in blocks for b in (block, *_blocks(block.blocks))]


@st.composite
def confused_terraform(draw: st.DrawFn) -> Any:
    from scanner.parsers.terraform import Attribute

    parsed = copy.deepcopy(draw(st.sampled_from(terraform_files())))
    blocks = _blocks(parsed.payload.blocks)
    for _ in range(draw(st.integers(1, 3))):
        block = draw(st.sampled_from(blocks))
        names = sorted({*block.attributes, *(b.type for b in block.blocks)}) or ["tags"]
        name = draw(st.sampled_from(names))
        block.blocks = [b for b in block.blocks if b.type != name]  # `ingress { ... }` becomes `ingress = 5`
        block.attributes[name] = Attribute(name, ("lit", draw(SHAPES)), block.line, block.line)
    return parsed


@FUZZ
@given(confused_terraform())
def test_terraform_attributes_of_any_shape_never_stop_the_scan(parsed: Any) -> None:
    _pipeline([parsed], "main.tf")


# Dockerfiles ----------------------------------------------------------------------------------------

INSTRUCTIONS = ["FROM", "RUN", "CMD", "ENTRYPOINT", "USER", "ARG", "ENV", "LABEL", "COPY", "ADD", "EXPOSE"]
INSTRUCTIONS += ["HEALTHCHECK", "ONBUILD", "SHELL", "WORKDIR", "VOLUME", "STOPSIGNAL"]
ARGUMENTS = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    SHAPES.map(lambda v: __import__("json").dumps(v)),  # JSON forms of every shape: `CMD {"a": 1}`
    st.sampled_from(["alpine:3.20 AS build", "--from=build /a /b", "${A:-x}", "<<EOF\necho hi\nEOF", "NONE"]),
)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(INSTRUCTIONS), ARGUMENTS), min_size=1, max_size=8))
def test_dockerfiles_of_any_shape_never_stop_the_scan(lines: list[tuple[str, str]]) -> None:
    text = "FROM debian:12\n" + "".join(f"{cmd} {args}\n" for cmd, args in lines)
    _pipeline([parse_bytes(text.encode(), "Dockerfile", "dockerfile")], "Dockerfile")


# Parsers ----------------------------------------------------------------------------------------------

PARSER_INPUTS = {
    "main.tf": ("terraform", "IG-AWS-*/*/*.tf"),
    "terraform.tfvars": ("tfvars", None),
    "deploy.yaml": ("kubernetes", "IG-K8S-*/*/*.yaml"),
    "Dockerfile": ("dockerfile", "IG-DKR-*/*/Dockerfile*"),
    "plan.json": ("tfplan", None),
}


@st.composite
def corrupted(draw: st.DrawFn, pattern: str | None) -> bytes:
    """A real fixture with a few bytes changed, inserted or cut; or text of any kind."""
    seeds = [p.read_bytes() for p in _fixtures(pattern)] if pattern else []
    if not seeds or draw(st.booleans()):
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.binary(min_size=1, max_size=8) | st.sampled_from([b"{", b"}", b"[", b"${", b"\n-", b": &a *a"]))
        if action == "insert":
            data[at:at] = chunk
        elif action == "delete":
            del data[at : at + len(chunk)]
        else:
            data[at : at + len(chunk)] = chunk
    return bytes(data)


@FUZZ
@given(st.data())
def test_parsers_turn_any_input_into_bounded_errors_naming_the_file(data: st.DataObject) -> None:
    from scanner.records import MAX_ERRORS_PER_FILE, MAX_MESSAGE_CHARS

    rel = data.draw(st.sampled_from(sorted(PARSER_INPUTS)))
    kind, pattern = PARSER_INPUTS[rel]
    parsed = parse_bytes(data.draw(corrupted(pattern)), rel, kind)
    assert all(error.file == rel for error in parsed.errors)
    assert len([e for e in parsed.errors if e.level == "error"]) <= MAX_ERRORS_PER_FILE + 1
    assert all(len(error.message) <= MAX_MESSAGE_CHARS + 1 for error in parsed.errors)
    _pipeline([parsed], rel)
