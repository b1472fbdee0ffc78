"""The HTML report in a real browser: Debian's headless Chromium, driven by Selenium, loads 10,000 findings
from a file:// URL, fetches nothing, sorts, filters, searches, pages and opens a finding the way a
triager does, and keeps working with scripts off. `LEAKSTOP_SCREENSHOT=path` saves what it saw
(docs/html-report.png is one). Without Chromium the tests skip, except under CI, where they fail."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from html_fixtures import FAILURES, GENERATED_AT, make_findings
from test_html_page import HOSTILE, hostile_finding

from scanner.reporters.html import render_html

pytestmark = pytest.mark.slow

COUNT = 10_000
FILTER_BUDGET_MS = 1000
"""A filter over 10,000 findings takes ~35 ms here; a second would be a page that feels frozen."""


def chromium_tools() -> tuple[str, str]:
    """Chromium and its driver, or a skip, or under CI (where `.ci/run` installs them) a failure."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        driver = None
    if chromium and driver:
        return chromium, driver
    missing = "Chromium, chromedriver and selenium (apt-get install chromium chromium-driver)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"CI must run the browser tests: {missing} not found")
    pytest.skip(f"{missing} not found")


def test_without_chromium_these_tests_skip_here_and_fail_under_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        chromium_tools()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        chromium_tools()


def start_browser(scripts: bool = True) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = chromium_tools()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-default-apps", "--disable-sync"):
        options.add_argument(arg)
    if not scripts:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(chromedriver))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = start_browser()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def big_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    findings = make_findings(COUNT)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(findings, title="acme: weekly secrets audit", generated_at=GENERATED_AT,
                                failures=FAILURES), encoding="utf-8")
    return path, findings


def load(driver: Any, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.as_uri())
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.ready"))


def shown(driver: Any) -> str:
    return str(driver.find_element("id", "shown").text)


def rows(driver: Any) -> list[list[str]]:
    """The finding rows on screen, each as its cells' text (the first cell is the details toggle)."""
    return list(driver.execute_script(
        "return Array.from(document.querySelectorAll('#rows tr.f'), tr => Array.from(tr.cells, td => td.textContent))"
    ))


def status_counts(driver: Any) -> dict[str, int]:
    pills = driver.execute_script(
        "return Array.from(document.querySelectorAll('#status-counts li'), li => [li.dataset.status, li.textContent])")
    return {status: int(text.split()[0]) for status, text in pills}


def choose(driver: Any, name: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", f"f-{name}")).select_by_value(value)


def timed_filter(driver: Any, name: str, value: str) -> float:
    """Milliseconds from a filter's change to the page laid out again, as the page's own clock measures it."""
    return float(driver.execute_script(
        """const [name, value] = arguments; const t0 = performance.now();
        const select = document.getElementById('f-' + name); select.value = value;
        select.dispatchEvent(new Event('change')); document.body.offsetHeight;
        return performance.now() - t0;""", name, value))


def requests_made(driver: Any) -> list[str]:
    events = (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
    return [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]


class CountingServer(ThreadingHTTPServer):
    """A web server on localhost that counts whoever reaches it: the page must never."""

    hits: list[str]


def counting_server() -> CountingServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            server.hits.append(self.path)
            self.send_response(200)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = CountingServer(("127.0.0.1", 0), Handler)
    server.hits = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_page_requests_nothing_and_its_policy_blocks_any_load(browser, big_report):
    path, _ = big_report
    browser.get_log("performance")
    load(browser, path)
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert set(requests_made(browser)) == {path.as_uri()}  # the page itself, and nothing else
    server = counting_server()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        browser.execute_script(
            """const base = arguments[0]; window.violations = [];
            document.addEventListener('securitypolicyviolation', e => window.violations.push(e.effectiveDirective));
            const img = document.createElement('img'); img.src = base + '/img'; document.body.append(img);
            const s = document.createElement('script'); s.src = base + '/js'; document.body.append(s);
            const css = document.createElement('link'); css.rel = 'stylesheet'; css.href = base + '/css';
            document.head.append(css);
            fetch(base + '/fetch').catch(() => {});""", base)
        from selenium.webdriver.support.ui import WebDriverWait

        blocked = {"img-src", "script-src-elem", "style-src-elem", "connect-src"}
        WebDriverWait(browser, 20).until(lambda d: blocked <= set(d.execute_script("return window.violations")))
        time.sleep(0.5)  # a request that slipped through would have reached the server by now
        violations = set(browser.execute_script("return window.violations"))
    finally:
        server.shutdown()
    assert server.hits == []
    assert blocked <= violations


def test_a_triager_sorts_filters_searches_and_opens_10000_findings(browser, big_report):
    path, findings = big_report
    load(browser, path)
    statuses = Counter(f.status for f in findings)
    assert shown(browser) == f"{COUNT} of {COUNT} findings shown"
    assert status_counts(browser) == dict(statuses)
    assert len(rows(browser)) == 100
    assert "2 repository(ies) could not be audited" in browser.find_element("id", "failures").text

    # sort: oldest first, then newest first, by the Age column (cells read "412 d")
    header = browser.find_element("css selector", "th[data-key=age] button")
    header.click()
    assert browser.find_element("css selector", "th[data-key=age]").get_attribute("aria-sort") == "ascending"
    ages = [int(r[7].split()[0]) for r in rows(browser)]
    assert ages == sorted(ages) and ages[0] == 0
    header.click()
    newest_last = [int(r[7].split()[0]) for r in rows(browser)]
    assert newest_last == sorted(newest_last, reverse=True) and newest_last[0] >= 700

    # filter by status, then provider: the visible counts follow
    choose(browser, "status", "confirmed")
    assert shown(browser) == f"{statuses['confirmed']} of {COUNT} findings shown"
    assert {r[6] for r in rows(browser)} == {"confirmed"}
    choose(browser, "provider", "github")
    github = [f for f in findings if f.provider == "github"]
    confirmed_github = sum(f.status == "confirmed" for f in github)
    assert shown(browser) == f"{confirmed_github} of {COUNT} findings shown"
    assert {(r[2], r[6]) for r in rows(browser)} == {("github", "confirmed")}
    assert status_counts(browser) == dict(Counter(f.status for f in github))  # what the other filters keep
    choose(browser, "age", ">365")
    old = sum(f.status == "confirmed" and f.provider == "github" and age_of(f) > 365 for f in findings)
    assert shown(browser) == f"{old} of {COUNT} findings shown"

    # search, with every filter reset: one finding by its path
    browser.find_element("id", "f-reset").click()
    assert shown(browser) == f"{COUNT} of {COUNT} findings shown"
    target = next(f for f in findings if f.locations[0].url and len(f.locations) > 1)
    browser.find_element("id", "f-search").send_keys(target.locations[0].path.split("/")[0] + "/")
    assert shown(browser) == f"1 of {COUNT} findings shown"

    # open it: redacted secret, first commit, every place linked to the forge, remediation, triage
    browser.find_element("css selector", "#rows button.toggle").click()
    detail = browser.find_element("css selector", "#rows tr.d")
    text = detail.text
    for expected in (target.redacted, target.fingerprint, (target.first_commit or "")[:12], target.remediation,
                     target.status, f"Locations ({len(target.locations)})", target.note):
        assert expected in text
    links = detail.find_elements("css selector", "a")
    assert [a.get_attribute("href") for a in links] == [target.first_commit_url] + [loc.url for loc in target.locations]
    assert {(a.get_attribute("rel"), a.get_attribute("target")) for a in links} == {("noopener noreferrer", "_blank")}

    # pages of 100
    browser.find_element("id", "f-reset").click()
    browser.find_element("id", "next").click()
    assert browser.find_element("id", "page-info").text == f"Page 2 of {COUNT // 100}"
    assert len(rows(browser)) == 100


def age_of(f: Any) -> int:
    from scanner.reporters.html import age_days, parse_date

    return age_days(f.first_date, parse_date(GENERATED_AT)) or 0  # type: ignore[arg-type]


def test_filtering_10000_findings_does_not_freeze_the_page(browser, big_report):
    path, _ = big_report
    load(browser, path)
    load_ms = browser.execute_script(
        "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    times = {
        "status": timed_filter(browser, "status", "new"),
        "provider": timed_filter(browser, "provider", "aws"),
        "age": timed_filter(browser, "age", ">90"),
        "reset status": timed_filter(browser, "status", ""),
    }
    print(f"\n10,000 findings: loaded in {load_ms:.0f} ms, script ready in "
          f"{browser.execute_script('return document.body.dataset.ready')} ms, filters (ms): "
          + ", ".join(f"{k} {v:.0f}" for k, v in times.items()))
    assert max(times.values()) < FILTER_BUDGET_MS, times


def test_hostile_strings_run_nothing_in_the_browser(browser, tmp_path):
    page = tmp_path / "hostile.html"
    page.write_text(render_html([hostile_finding(t) for t in HOSTILE], title=HOSTILE[0], generated_at=GENERATED_AT,
                                failures=FAILURES), encoding="utf-8")
    load(browser, page)
    assert browser.execute_script("return window.pwned") is None
    assert len(rows(browser)) == len(HOSTILE)
    assert sorted(r[4] for r in rows(browser)) == sorted(HOSTILE)  # the repository column, as text
    for toggle in browser.find_elements("css selector", "#rows button.toggle"):
        toggle.click()
    assert browser.execute_script("return window.pwned") is None
    assert browser.find_elements("css selector", "#rows img, #rows svg, #rows iframe") == []


def test_without_scripts_the_findings_are_a_readable_table(tmp_path):
    findings = make_findings(60)
    page = tmp_path / "report.html"
    page.write_text(render_html(findings, title="acme", generated_at=GENERATED_AT, failures=FAILURES),
                    encoding="utf-8")
    driver = start_browser(scripts=False)
    try:
        driver.get(page.as_uri())
        table = driver.find_element("id", "static-findings")
        assert table.is_displayed()
        body_rows = table.find_elements("css selector", "tbody tr")
        assert len(body_rows) == 60
        text = table.text
        assert all(f.locations[0].path in text and f.fingerprint in text for f in findings)
        assert body_rows[0].text.startswith("CRITICAL")  # most severe first, as the live table starts
        assert not driver.find_element("id", "findings").is_displayed()
        assert not driver.find_element("id", "controls").is_displayed()
        assert driver.find_element("id", "failures").is_displayed()
    finally:
        driver.quit()


def test_screenshot(browser, big_report):
    """What a triager sees first: failures, counts, filters, and one finding open (`LEAKSTOP_SCREENSHOT`)."""
    path, _ = big_report
    load(browser, path)
    choose(browser, "severity", "critical")
    browser.find_element("css selector", "th[data-key=age] button").click()
    browser.find_element("css selector", "th[data-key=age] button").click()
    browser.find_elements("css selector", "#rows button.toggle")[1].click()
    png = browser.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    target = os.environ.get("LEAKSTOP_SCREENSHOT")
    if target:
        Path(target).write_bytes(png)
