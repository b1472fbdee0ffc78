"""Findings an org-wide audit could produce, made up but shaped like real ones, for the HTML report's tests."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from scanner.git.forge import forge_for
from scanner.reporters.html import HtmlFailure, HtmlFinding, HtmlLocation

GENERATED_AT = "2026-11-30T09:00:00+00:00"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)

PROVIDERS = {
    "stripe": ("stripe-secret-key", "critical", "sk_li", "Roll the key in the Stripe dashboard, then update every "
               "service that uses it."),
    "github": ("github-pat", "high", "ghp_Q7", "Revoke the token under Settings > Developer settings and create "
               "a fine-grained one."),
    "aws": ("aws-access-key-id", "critical", "AKIAQY", "Deactivate the access key in IAM, rotate it, and check "
            "CloudTrail for its use."),
    "slack": ("slack-bot-token", "medium", "xoxb-2", "Regenerate the bot token in the Slack app settings."),
    "generic": ("generic-password", "low", "Tr0u", "Change the password and move it to the secret store."),
}
STATUSES = ("new", "new", "new", "confirmed", "false-positive", "revoked", "accepted-risk")
TEAMS = ("payments", "billing-api", "infra-terraform", "mobile-app", "data-pipeline", "web-frontend", "auth-service",
         "ops-scripts", "ml-training", "docs-site")
FILES = ("config/settings.py", "deploy/values.yaml", ".env.production", "scripts/backfill.sh", "src/client.ts",
         "terraform/main.tf", "notebooks/explore.ipynb", "app/config/secrets.json", "README.md", "ci/deploy.yml")


def repository_names() -> list[str]:
    return [f"acme/{team}" for team in TEAMS]


def make_findings(count: int, seed: int = 18) -> list[HtmlFinding]:
    """`count` findings over ten repositories, five providers and two years of history; some repositories
    have a known forge (links), some do not."""
    rng = random.Random(seed)
    findings = []
    for i in range(count):
        provider = rng.choice(sorted(PROVIDERS))
        rule_id, severity, prefix, remediation = PROVIDERS[provider]
        repo = rng.choice(repository_names())
        forge = forge_for(f"git@github.com:{repo}.git") if TEAMS.index(repo.split("/")[1]) % 3 else None
        first = NOW - timedelta(days=rng.randint(0, 730), hours=rng.randint(0, 23))
        locations = []
        for n in range(rng.choice((1, 1, 1, 2, 3))):
            commit = f"{rng.getrandbits(160):040x}"
            path = f"{rng.choice(FILES)}" if n else f"svc{i}/{rng.choice(FILES)}"
            line = rng.randint(1, 400)
            date = (first + timedelta(days=n * 17)).isoformat(timespec="seconds")
            url = forge.line_url(commit, path, line) if forge else None
            locations.append(HtmlLocation(repo, path, line, commit=commit, date=date, url=url,
                                          preview=f'KEY = "{prefix}********"', in_head=n == 0))
        status = rng.choice(STATUSES)
        findings.append(HtmlFinding(
            fingerprint=f"ls1:{rng.getrandbits(128):032x}", rule_id=rule_id, provider=provider, severity=severity,
            repository=repo, redacted=f"{prefix}********", status=status,
            note="" if status == "new" else f"checked with the {repo.split('/')[1]} team",
            first_commit=locations[0].commit, first_date=locations[0].date, remediation=remediation,
            locations=tuple(locations),
            first_commit_url=forge.commit_url(locations[0].commit or "") if forge else None,
            triaged_by="" if status == "new" else "sam.okafor", triaged_at="" if status == "new" else "2026-11-02",
        ))
    return findings


FAILURES = (
    HtmlFailure("https://git.example.invalid/acme/legacy-billing.git", "clone failed: could not resolve host"),
    HtmlFailure("acme/archived-ios", "repository is empty or corrupt: bad object HEAD"),
)
