"""The copy-paste snippets in docs/integrations.md agree with the hook manifest and the action."""

from __future__ import annotations

import re

import yaml
from conftest import ROOT

DOC = (ROOT / "docs" / "integrations.md").read_text()


def yaml_blocks() -> list[dict]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", DOC, re.S)]


def test_pre_commit_snippet_names_hooks_the_manifest_defines():
    manifest = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    config = next(b for b in yaml_blocks() if "repos" in b)
    assert {h["id"] for h in config["repos"][0]["hooks"]} == manifest


def test_workflow_snippet_uses_real_inputs_and_uploads_the_sarif_it_writes():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    workflow = next(b for b in yaml_blocks() if "jobs" in b)
    steps = workflow["jobs"]["leakstop"]["steps"]
    ours = next(s for s in steps if s.get("id") == "leakstop")
    assert set(ours["with"]) <= set(action["inputs"])
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == ours["with"]["sarif-file"]
    assert workflow["permissions"]["security-events"] == "write"
    for section in re.findall(r"^\| `(\w[\w-]*)` \| ", DOC.split("Inputs:")[1].split("Outputs:")[0], re.M):
        assert section in action["inputs"]
