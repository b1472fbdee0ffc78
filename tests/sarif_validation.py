"""One validator for every SARIF log the suite produces, against the OASIS SARIF 2.1.0 schema."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@functools.cache
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def valid_sarif(text: str) -> dict[str, Any]:
    """Parse a SARIF log, fail the test on any schema error, and check the rules GitHub adds on top."""
    log: dict[str, Any] = json.loads(text)
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        for rule in rules:
            float(rule["properties"]["security-severity"])
            assert isinstance(rule["properties"]["security-severity"], str)
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["partialFingerprints"]
            for loc in result["locations"] + result.get("relatedLocations", []):
                region = loc["physicalLocation"]["region"]
                assert region["startLine"] >= 1 and region["startColumn"] >= 1
                assert region["endLine"] >= region["startLine"] and region["endColumn"] >= 1
                if region["endLine"] == region["startLine"]:
                    assert region["endColumn"] > region["startColumn"]
                assert not loc["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
    return log
