"""Terraform parsing: exact lines, expression ASTs, grammar workarounds, picklable results."""

from __future__ import annotations

import pickle

from scanner.evaluate import terraform as tf_eval
from scanner.parsers.terraform import parse


def test_attribute_and_nested_block_lines_are_exact():
    text = (
        'resource "aws_security_group" "web" {\n'
        '  name = "web"\n'
        "  ingress {\n"
        "    from_port = 22\n"
        '    cidr_blocks = ["0.0.0.0/0"]\n'
        "  }\n"
        "}\n"
    )
    block = parse(text, "main.tf").payload.blocks[0]
    assert (block.type, block.labels, block.line, block.end_line) == ("resource", ["aws_security_group", "web"], 1, 7)
    assert block.attributes["name"].line == 2
    ingress = block.blocks[0]
    assert (ingress.type, ingress.line, ingress.attributes["cidr_blocks"].line) == ("ingress", 3, 5)


def test_newline_before_question_mark_is_accepted():
    """python-hcl2 7.3.1 rejects this layout (caf-enterprise-scale connectivity/locals.tf:673)."""
    text = "locals {\n  x = (\n    true\n    ? 1\n    : 2\n  )\n  y = 3\n}\n"
    parsed = parse(text, "locals.tf")
    assert parsed.errors == []
    attributes = parsed.payload.blocks[0].attributes
    assert attributes["y"].line == 7
    evaluation = tf_eval.evaluate(
        [parse(text + 'resource "a_b" "c" {\n  v = local.x\n}\n', "main.tf").payload], [], environ={}
    )
    assert evaluation.resources[0].attributes["v"] == 1


def test_parse_results_survive_pickling_for_the_cache():
    text = 'resource "aws_s3_bucket" "b" {\n  bucket = "x-${var.y}"\n  tags = { for k, v in var.t : k => v }\n}\n'
    parsed = parse(text, "main.tf")
    again = pickle.loads(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    block, copy = parsed.payload.blocks[0], again.payload.blocks[0]
    assert copy.attributes["bucket"].expr == block.attributes["bucket"].expr
    assert copy.attributes["tags"].line == 3


def test_terraform_json_files_are_evaluated():
    text = (
        '{"variable": {"acl": {"default": "public-read"}}, "resource": {"aws_s3_bucket": {"b": {"acl": "${var.acl}"}}}}'
    )
    evaluation = tf_eval.evaluate([parse(text, "main.tf.json").payload], [], environ={})
    assert [(r.address, r.attributes) for r in evaluation.resources] == [("aws_s3_bucket.b", {"acl": "public-read"})]


def test_syntax_error_names_file_and_line():
    parsed = parse('resource "a" "b" {\n  x = = 1\n}\n', "bad.tf")
    assert parsed.payload is None
    assert [(e.file, e.line) for e in parsed.errors] == [("bad.tf", 2)]
