"""The evaluator on real public Terraform (../shared/corpus): nothing that parsed makes it crash."""

from __future__ import annotations

import json
import re

import pytest

from scanner.discover import discover
from scanner.evaluate import terraform as tf_eval
from scanner.parsers import ParseCache, parse_all
from scanner.parsers.terraform import parse
from scanner.records import Unknown

REPOS = [
    "terraform-aws-modules+terraform-aws-s3-bucket",
    "terraform-aws-modules+terraform-aws-vpc",
    "terraform-aws-modules+terraform-aws-eks",
    "Azure+terraform-azurerm-caf-enterprise-scale",
    "bridgecrewio+terragoat",
]
_INTERNAL = re.compile(r"cannot evaluate [^:]+: [A-Z]\w*(Error|Exception): ")


def _unknowns(value, out: list[str]) -> None:
    if isinstance(value, Unknown):
        out.append(value.reason)
    elif isinstance(value, dict):
        for item in value.values():
            _unknowns(item, out)
    elif isinstance(value, list):
        for item in value:
            _unknowns(item, out)


@pytest.mark.corpus
@pytest.mark.parametrize("repo", REPOS)
def test_every_terraform_dir_of_a_corpus_repo_evaluates(shared, repo):
    root = shared / "corpus" / repo
    if not root.is_dir():
        pytest.skip(f"{repo} is not in the corpus")
    sources = [f for f in discover([root]).files if f.kind in ("terraform", "tfvars")]
    parsed = parse_all(sources, ParseCache(None), workers=1)
    files = [p.payload for p in parsed if p.kind == "terraform" and p.payload is not None]
    tfvars = [p.payload for p in parsed if p.kind == "tfvars" and p.payload is not None]
    evaluation = tf_eval.evaluate(files, tfvars, root=root, environ={})
    assert evaluation.resources, "every repo here declares resources"
    assert [e for e in evaluation.errors if e.level == "error" and "cycle" in e.message] == []
    reasons: list[str] = []
    for resource in evaluation.resources:
        _unknowns(resource.attributes, reasons)
    internal = [r for r in reasons if _INTERNAL.search(r)]
    assert internal == [], "evaluator bugs (Python exceptions) surfaced as unknowns"
    unknown, total = tf_eval.count_unknown(evaluation.resources)
    assert unknown == len(reasons) and total > unknown


@pytest.mark.corpus
def test_literal_json_heredocs_in_the_corpus_parse_intact(shared):
    """python-hcl2 8.x corrupted JSON policy heredocs; ours must give the exact text back."""
    checked = 0
    for path in sorted((shared / "corpus").rglob("*.tf")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "<<" not in text:
            continue
        lines = text.splitlines()
        pending = list(parse(text, path.name).payload.blocks)
        while pending:
            block = pending.pop()
            pending.extend(block.blocks)
            for attribute in block.attributes.values():
                literal = attribute.expr[1] if attribute.expr[0] == "lit" else None
                if "<<" in lines[attribute.line - 1] and isinstance(literal, str) and literal.lstrip().startswith("{"):
                    json.loads(literal)
                    checked += 1
    assert checked > 10
