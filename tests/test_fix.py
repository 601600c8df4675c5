"""`iacgate fix`: the edit lands where the value was set, changes nothing else, and clears the finding.

The checks here are defined by the test (a custom check file would do the same), so the engine is
proved independently of the catalogue; tests/test_fixes.py proves every built-in check's fix.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.custom import ChecksDirectory, load_custom_checks
from scanner.fix.stage import APPLIED, NEEDS_UNSAFE, NOT_FIXABLE, FixRun, fix_regressions, propose, write
from scanner.records import Finding, ScanResult
from scanner.registry import Selection
from scanner.scan import ScanOptions, scan
from tests.conftest import FIXTURES
from tests.test_helm import needs_helm

CHECKS_DIR = FIXTURES / "fix" / "checks"
TEST_CHECKS = load_custom_checks([ChecksDirectory(CHECKS_DIR, run_python=True)])


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / "fix" / name, target)
    return target


def _scan(root: Path, **options) -> ScanResult:
    selection = Selection(only=set(TEST_CHECKS), custom=dict(TEST_CHECKS))
    return scan(ScanOptions(paths=[root], selection=selection, cache_dir=None, workers=1, root=root, **options))


def _by_resource(run: FixRun, check_id: str) -> dict[str, Finding]:
    return {f.resource.address: f for f in run.result.findings if f.check_id == check_id}


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def _rescan_clears(root: Path, run: FixRun) -> None:
    """After --write: the applied fixes' findings are gone, nothing new appeared, nothing fails to parse.

    Findings are counted per check and resource: a finding that moves (from a container to the
    securityContext another fix added) is the same problem, not a new one."""
    after = _scan(root)
    assert not [e for e in after.errors if e.level == "error"], after.errors
    assert not fix_regressions(run, after)


def test_terraform_fixes_land_where_the_value_was_set(tmp_path: Path) -> None:
    root = _copy("terraform", tmp_path)
    run = propose(_scan(root))
    volumes = _by_resource(run, "FIX-TF-001")
    assert volumes["aws_ebs_volume.literal"].fix.edits[0].file == "main.tf"
    assert volumes["aws_ebs_volume.from_default"].fix.edits[0].file == "variables.tf"
    assert volumes["aws_ebs_volume.from_tfvars"].fix.edits[0].file == "terraform.tfvars"
    assert volumes["aws_ebs_volume.from_local"].fix.edits[0].start_line == 4  # the locals entry
    assert volumes["module.disk.aws_ebs_volume.this"].fix.edits[0].start_line == 71  # the module input
    assert all(volumes[a].fix.status == APPLIED for a in ("aws_ebs_volume.literal", "aws_ebs_volume.from_tfvars"))
    variables_before, variables_after = run.changes["variables.tf"]
    assert _changed_lines(variables_before, variables_after) == ["-  default     = false", "+  default     = true"]
    tfvars = run.changes["terraform.tfvars"]
    assert _changed_lines(*tfvars) == ["-encrypt_archive = false", "+encrypt_archive = true"]
    assert tfvars[1].startswith("# archive settings for this account\n")  # the comment is kept


def test_a_missing_attribute_is_inserted_in_the_block_style(tmp_path: Path) -> None:
    root = _copy("terraform", tmp_path)
    run = propose(_scan(root))
    before, after = run.changes["main.tf"]
    changed = _changed_lines(before, after)
    assert "+  encrypted         = true" in changed  # aligned with the block's other arguments
    assert changed.count("-  encrypted         = false") == 1  # the literal, and nothing else rewritten


def test_a_missing_nested_block_is_created_only_with_unsafe(tmp_path: Path) -> None:
    root = _copy("terraform", tmp_path)
    safe = _by_resource(propose(_scan(root)), "FIX-TF-002")
    assert safe["aws_instance.web"].fix.status == NEEDS_UNSAFE
    assert "IMDSv1" in safe["aws_instance.web"].fix.reason
    run = propose(_scan(root), unsafe=True)
    before, after = run.changes["main.tf"]
    assert '  metadata_options {\n    http_tokens = "required"\n  }\n' in after
    assert '    http_tokens   = "required"\n' in after  # aligned under http_endpoint in the existing block
    assert _by_resource(run, "FIX-TF-002")["aws_instance.web"].fix.warning


def test_a_shared_variable_is_refused_without_unsafe(tmp_path: Path) -> None:
    root = _copy("terraform", tmp_path)
    shared = _by_resource(propose(_scan(root)), "FIX-TF-001")["aws_ebs_volume.shared"]
    assert shared.fix.status == NEEDS_UNSAFE
    assert "aws_instance.web" in shared.fix.reason
    forced = _by_resource(propose(_scan(root), unsafe=True), "FIX-TF-001")["aws_ebs_volume.shared"]
    assert forced.fix.status == APPLIED and "aws_instance.web" in forced.fix.warning


def test_computed_values_and_downloaded_modules_are_not_fixable_here(tmp_path: Path) -> None:
    root = _copy("terraform", tmp_path)
    volumes = _by_resource(propose(_scan(root)), "FIX-TF-001")
    computed = volumes["aws_ebs_volume.computed"].fix
    assert computed.status == NOT_FIXABLE and "expression" in computed.reason and not computed.edits
    remote = volumes["module.remote.aws_ebs_volume.remote"].fix
    assert remote.status == NOT_FIXABLE and ".terraform" in remote.reason


def test_write_then_rescan_clears_the_fixed_findings_and_adds_none(tmp_path: Path) -> None:
    for name in ("terraform", "kubernetes", "docker"):
        root = _copy(name, tmp_path)
        run = propose(_scan(root), unsafe=True)
        assert any(f.fix and f.fix.applied for f in run.result.findings), name
        assert write(run) == []
        _rescan_clears(root, run)


def test_yaml_fix_keeps_comments_quotes_flow_style_and_documents(tmp_path: Path) -> None:
    root = _copy("kubernetes", tmp_path)
    run = propose(_scan(root))
    before, after = run.changes["app.yaml"]
    assert _changed_lines(before, after) == [
        "-          allowPrivilegeEscalation: true  # set by an old template",
        "+          allowPrivilegeEscalation: false  # set by an old template",
        "+        securityContext:",
        "+          allowPrivilegeEscalation: false",
        "+          securityContext:",
        "+            allowPrivilegeEscalation: false",
    ]
    assert "labels: {app: reports}   # flow style stays as written" in after
    assert "image: 'registry.example.com/metrics:1.0'" in after
    assert after.count("\n---\n") == 1


def test_dockerfile_fixes_keep_continuation_lines_and_comments(tmp_path: Path) -> None:
    root = _copy("docker", tmp_path)
    run = propose(_scan(root), unsafe=True)
    before, after = run.changes["Dockerfile"]
    assert _changed_lines(before, after) == [
        "-ADD requirements.txt /src/",
        "+COPY requirements.txt /src/",
        "-ADD app/ /app/",
        "+COPY app/ /app/",
        "+USER 10001",
    ]
    assert after.endswith('USER 10001\nCMD ["python", "/app/main.py"]\n')
    assert "    # pinned in requirements.txt\n" in after


def test_write_keeps_crlf_line_ends_and_a_byte_order_mark(tmp_path: Path) -> None:
    root = tmp_path / "crlf"
    root.mkdir()
    text = (
        'resource "aws_ebs_volume" "a" {\r\n  availability_zone = "eu-west-1a"\r\n  encrypted         = false\r\n}\r\n'
    )
    (root / "main.tf").write_bytes(b"\xef\xbb\xbf" + text.encode())
    run = propose(_scan(root))
    assert write(run) == []
    assert (root / "main.tf").read_bytes() == b"\xef\xbb\xbf" + text.replace("false", "true").encode()


def test_write_leaves_a_file_changed_since_the_scan(tmp_path: Path) -> None:
    root = _copy("docker", tmp_path)
    run = propose(_scan(root))
    (root / "Dockerfile").write_text("FROM scratch\n")
    errors = write(run)
    assert [e.message for e in errors] == ["changed since the scan: not fixed"]
    assert (root / "Dockerfile").read_text() == "FROM scratch\n"


def test_a_plan_is_never_fixed(shared: Path) -> None:
    plan = shared / "plans" / "tfc-actions-regular-update-noop" / "tfplan.json"
    from scanner.plan import PlanOptions, run_plan

    selection = Selection(only=set(TEST_CHECKS), custom=dict(TEST_CHECKS))
    result = run_plan(PlanOptions(plan=plan, selection=selection)).result
    assert [f for f in result.findings if f.check_id == "FIX-TF-002"]
    run = propose(result, unsafe=True)
    assert not run.changes
    assert all(f.fix.status == NOT_FIXABLE for f in run.result.findings if f.fix)


def _cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_prints_a_diff_git_can_apply_and_exits_on_what_remains(tmp_path: Path) -> None:
    root = _copy("kubernetes", tmp_path)
    result = _cli("fix", str(root), "--checks-dir", str(CHECKS_DIR), "--check", "FIX-K8S-001")
    assert result.exit_code == 0, result.output  # every finding would be fixed
    assert result.output.startswith("# iacgate fix: 3 fixed in 1 file(s)")
    if shutil.which("git"):
        patch = tmp_path / "fix.patch"
        patch.write_text(result.output)
        subprocess.run(["git", "apply", "--check", "-p1", str(patch)], cwd=root, check=True)
    assert (root / "app.yaml").read_text() == (FIXTURES / "fix" / "kubernetes" / "app.yaml").read_text()
    written = _cli("fix", str(root), "--checks-dir", str(CHECKS_DIR), "--check", "FIX-K8S-001", "--write")
    assert written.exit_code == 0
    assert "iacgate fix: wrote 1 of 1 file(s)" in written.stderr
    again = _cli("scan", str(root), "--checks-dir", str(CHECKS_DIR), "--check", "FIX-K8S-001")
    assert again.exit_code == 0, again.output


def test_cli_exit_status_counts_what_needs_unsafe(tmp_path: Path) -> None:
    root = _copy("docker", tmp_path)
    result = _cli("fix", str(root), "--checks-dir", str(CHECKS_DIR), "--check", "FIX-DKR-002")
    assert result.exit_code == 1
    assert "# needs --unsafe:" in result.output and "owned by root" in result.output


def test_cli_sarif_and_json_carry_each_fix(tmp_path: Path) -> None:
    root = _copy("terraform", tmp_path)
    common = ["fix", str(root), "--checks-dir", str(CHECKS_DIR), "--check", "FIX-TF-001"]
    sarif = json.loads(_cli(*common, "--format", "sarif").output)
    fixes = [r["fixes"][0] for r in sarif["runs"][0]["results"] if r.get("fixes")]
    replacement = fixes[0]["artifactChanges"][0]["replacements"][0]
    assert {"deletedRegion", "insertedContent"} <= set(replacement)
    report = json.loads(_cli(*common, "--format", "json").output)
    statuses = {f["resource"]: f["fix"]["status"] for f in report["findings"]}
    assert statuses["aws_ebs_volume.literal"] == "applied"
    assert statuses["aws_ebs_volume.computed"] == "not fixable here"


def test_a_yaml_check_declares_its_fix(tmp_path: Path) -> None:
    root = _copy("kubernetes", tmp_path)
    findings = [f for f in propose(_scan(root), unsafe=True).result.findings if f.check_id == "FIX-K8S-002"]
    assert [f.fix.status for f in findings] == [APPLIED]
    assert "emptyDir" in findings[0].fix.warning
    assert findings[0].fix.edits[0].text.endswith("readOnlyRootFilesystem: true")


def test_kustomize_fixes_edit_the_patch_that_set_the_value_and_the_base_that_lacks_it(tmp_path: Path) -> None:
    root = _copy("kustomize", tmp_path)
    run = propose(_scan(root))
    assert sorted(run.changes) == ["base/deployment.yaml", "overlays/prod/debug-patch.yaml"]
    assert _changed_lines(*run.changes["overlays/prod/debug-patch.yaml"]) == [
        "-            allowPrivilegeEscalation: true",
        "+            allowPrivilegeEscalation: false",
    ]
    assert write(run) == []
    _rescan_clears(root, run)


@needs_helm
def test_a_helm_template_is_not_fixable_here(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: jobs\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("image: registry.example.com/jobs:1.0.0\n")
    (chart / "templates" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-jobs\nspec:\n  containers:\n"
        "    - name: jobs\n      image: {{ .Values.image }}\n"
    )
    run = propose(_scan(tmp_path))
    proposals = [f.fix for f in run.result.findings if f.check_id == "FIX-K8S-001"]
    assert proposals and all(p.status == NOT_FIXABLE and "Helm template" in p.reason for p in proposals)
    assert not run.changes


def test_fix_sarif_passes_github_validation_and_the_schema(tmp_path: Path) -> None:
    from tests.test_sarif import _validate

    root = _copy("terraform", tmp_path)
    result = _cli("fix", str(root), "--checks-dir", str(CHECKS_DIR), "--format", "sarif", "--unsafe")
    log = json.loads(result.output)
    assert sum(1 for r in log["runs"][0]["results"] if r.get("fixes")) >= 8
    _validate(result.output, root, tmp_path)


CORPUS_REPOSITORIES = ["bridgecrewio+terragoat", "madhuakula+kubernetes-goat", "docker-library+postgres"]


@pytest.mark.corpus
@pytest.mark.parametrize("repository", CORPUS_REPOSITORIES)
def test_fix_write_on_a_corpus_repository_clears_what_it_fixed_and_adds_nothing(
    shared: Path, repository: str, tmp_path: Path
) -> None:
    """Real repositories nobody here wrote, with every built-in check (bench/fix_corpus.py does the whole
    corpus): the rescan shows no fixed finding and nothing new, and every edited file still parses."""
    root = tmp_path / repository
    shutil.copytree(shared / "corpus" / repository, root, symlinks=True)
    options = ScanOptions(paths=[root], selection=Selection(), cache_dir=None, workers=1, root=root)
    before = scan(options)
    run = propose(before, unsafe=True)
    assert sum(1 for f in run.result.findings if f.fix and f.fix.applied) >= 5
    assert write(run) == []
    after = scan(options)
    errors = {(e.file, e.message) for e in after.errors if e.level == "error"}
    assert errors <= {(e.file, e.message) for e in before.errors if e.level == "error"}
    assert fix_regressions(run, after) == []


def test_an_empty_block_written_on_one_line_is_opened(tmp_path: Path) -> None:
    root = _copy("terraform", tmp_path)
    before, after = propose(_scan(root)).changes["main.tf"]
    assert after.endswith('resource "aws_ebs_volume" "empty" {\n  encrypted = true\n}\n')


def test_write_refuses_a_file_whose_directory_became_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    root = _copy("terraform", tmp_path)
    run = propose(_scan(root))
    scanned = run.sources["terraform.tfvars"]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "terraform.tfvars").write_bytes(scanned)
    (root / "vars").symlink_to(outside, target_is_directory=True)  # swapped in after the scan
    swapped = FixRun(
        run.result, {"vars/terraform.tfvars": run.changes["terraform.tfvars"]}, {"vars/terraform.tfvars": scanned}
    )
    assert [e.message for e in write(swapped)] == ["now outside the scanned root (a symlinked directory): not fixed"]
    assert (outside / "terraform.tfvars").read_bytes() == scanned


def test_a_kubernetes_object_written_in_terraform_is_fixed_in_its_hcl(tmp_path: Path) -> None:
    root = _copy("terraform-kubernetes", tmp_path)
    run = propose(_scan(root))
    before, after = run.changes["main.tf"]
    assert _changed_lines(before, after) == [
        "-  default     = true",
        "+  default     = false",
        "-        allow_privilege_escalation = true # needed by the old PDF renderer",
        "+        allow_privilege_escalation = false # needed by the old PDF renderer",
    ]
    mine = [f.fix for f in run.result.findings if f.check_id == "FIX-K8S-001" and f.fix]
    missing = [fix for fix in mine if fix.status == NOT_FIXABLE]
    assert len(mine) == 3 and len(missing) == 1  # the metrics container has no security_context block
    assert "add allowPrivilegeEscalation to its HCL by hand" in missing[0].reason
    assert write(run) == []
    _rescan_clears(root, run)


def test_a_fix_whose_companion_edit_fails_is_not_made_at_all(tmp_path: Path) -> None:
    from scanner.fix.hcl import HclTarget
    from scanner.fix.stage import _apply, _apply_groups, _key, _Sources, edit_between
    from scanner.records import TextEdit

    root = _copy("terraform", tmp_path)
    sources = _Sources(root)
    text = sources("main.tf")
    made = HclTarget("main.tf", False, (("resource", "aws_ebs_volume", "literal"),), "encrypted", True)
    broken = HclTarget("main.tf", False, (("resource", "aws_ebs_volume", "gone"),), "encrypted", True)
    other = HclTarget("main.tf", False, (("resource", "aws_ebs_volume", "missing"),), "encrypted", True)
    edits = {_key(t): edit_between("main.tf", text, _apply(text, t)) for t in (made, other)}
    edits[_key(broken)] = TextEdit("main.tf", 10, 1, 10, 1, "x")  # overlaps `made`: no merge, one by one
    groups = {(_key(made), _key(broken)): [made, broken], (_key(other),): [other]}
    changes, failed = _apply_groups(groups, sources, edits)
    assert list(failed) == [_key(broken)]
    after = changes["main.tf"][1]
    assert _changed_lines(text, after) == ["+  encrypted = true"]  # `other` only, not half of the first
