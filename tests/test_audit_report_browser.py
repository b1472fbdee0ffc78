"""`leakstop report --html` from a real store, in headless Chromium: the triage states, the repositories and
the failed repository that the audit recorded are what the page shows and filters on."""

from __future__ import annotations

import pytest
from audit_fixtures import new_repo, repo_with_secret, rows, run_cli
from test_html_report import choose, load, start_browser, status_counts
from test_html_report import rows as page_rows

pytestmark = pytest.mark.slow


def test_the_store_report_filters_by_repository_and_status_in_a_browser(tmp_path):
    repos = [repo_with_secret(tmp_path / "org", name)[0] for name in ("billing", "search", "web")]
    repos[2].git("remote", "add", "origin", "https://github.com/acme/web.git")
    broken = new_repo(tmp_path / "org", "broken")
    (broken.path / ".git" / "HEAD").write_text("garbage\n")
    store = tmp_path / "audit.sqlite"
    assert run_cli("audit", tmp_path / "org", "--store", store).code == 2
    [(billing_fp,)] = rows(store, "SELECT o.fingerprint FROM occurrences o JOIN repositories r ON r.id = o.repo_id "
                                  "WHERE r.name = ?", str(repos[0].path))
    assert run_cli("triage", billing_fp, "--status", "revoked", "--store", store).code == 0
    page = tmp_path / "audit.html"
    assert run_cli("report", "--html", page, "--store", store).code == 0

    driver = start_browser()
    try:
        load(driver, page)
        assert len(page_rows(driver)) == 3
        counts = status_counts(driver)
        assert counts["new"] == 2 and counts["revoked"] == 1
        assert str(broken.path) in driver.find_element("tag name", "body").text  # the failure, above all
        choose(driver, "repository", str(repos[2].path))
        [web] = page_rows(driver)
        assert any("github-pat-classic" in cell for cell in web)
        assert "https://github.com/acme/web/commit/" in driver.page_source  # its first commit on the forge
        choose(driver, "repository", "")
        choose(driver, "status", "revoked")
        [revoked] = page_rows(driver)
        assert any(str(repos[0].path) in cell for cell in revoked)
    finally:
        driver.quit()
