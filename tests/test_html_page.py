"""The HTML report's markup and data, without a browser: strangers' text stays text, the embedded JSON
cannot end its script element, the page may load nothing, and an empty or failed audit says so."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st
from secrets_fixtures import STRIPE
from test_bad_input import GOOD_RULE, write_rule

from scanner.printable import visible
from scanner.reporters.html import HtmlFailure, HtmlFinding, HtmlLocation, embed_json, render_html

GENERATED = "2026-11-30T09:00:00Z"
# Each tries to end the JSON's script element, open a comment or an element, or run script some other way.
HOSTILE = (
    "</script><script>window.pwned=1</script>",
    "<!--<script>window.pwned=2//",
    "</SCRIPT  ><img src=x onerror=window.pwned=3>",
    '"><svg onload="window.pwned=4">',
    "</noscript><script>window.pwned=5</script>",
    "]]></textarea></title></style><iframe srcdoc='x'>",
    "&lt;already escaped&gt; &amp; &#x3c;script&#x3e;",
)
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "section", "table",
                "thead", "tbody", "tr", "th", "td", "code", "div", "span", "ul", "li", "b", "label", "select",
                "option", "input", "button", "noscript", "nav", "script", "ol", "a", "dl", "dt", "dd"}


class Page(HTMLParser):
    """The page as a browser with scripts off parses it: every element, and the text of each script."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._in_script: dict[str, str | None] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self.scripts.append((self._in_script, data))
        else:
            self.text.append(data)

    def data(self) -> dict:
        (block,) = [text for attrs, text in self.scripts if attrs.get("type") == "application/json"]
        return json.loads(block)

    def program(self) -> str:
        (code,) = [text for attrs, text in self.scripts if not attrs]
        return code


def hostile_finding(text: str) -> HtmlFinding:
    return HtmlFinding(
        fingerprint="ls1:" + "ab" * 16, rule_id=text, provider=text, severity="critical", repository=text,
        redacted=text, status="confirmed", note=text, first_commit="c0ffee" * 6 + "1234", first_date=GENERATED,
        remediation=text, locations=(HtmlLocation(text, text, 3, commit="c0ffee" * 6 + "1234", preview=text),),
        triaged_by=text,
    )


def test_hostile_strings_stay_text_in_the_markup_and_the_json():
    page = render_html([hostile_finding(t) for t in HOSTILE], title=HOSTILE[0], generated_at=GENERATED,
                       failures=[HtmlFailure(t, t) for t in HOSTILE])
    parsed = Page(page)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    assert not [a for _, attrs in parsed.tags for a in attrs if a.startswith("on") or a == "srcdoc"]
    assert len(parsed.scripts) == 2, "a string ended the data block or opened a script"
    assert "window.pwned" not in parsed.program()
    data = parsed.data()
    assert sorted(f["note"] for f in data["findings"]) == sorted(HOSTILE)
    assert {f["locations"][0]["path"] for f in data["findings"]} == set(HOSTILE)
    assert [x["reason"] for x in data["failures"]] == list(HOSTILE)
    shown = "".join(parsed.text)
    for text in HOSTILE:
        assert text in shown  # as the reader sees it, character for character


def test_the_json_block_never_holds_a_character_that_could_end_it():
    page = render_html([hostile_finding(t) for t in HOSTILE], title="t", generated_at=GENERATED)
    block = page.split('<script type="application/json" id="leakstop-data">', 1)[1].split("</script>", 1)[0]
    assert not set("<>&") & set(block)
    assert "\\u003c/script\\u003e\\u003cscript\\u003e" in block


@given(st.text())
def test_embedded_json_reads_back_whatever_the_text(text):
    embedded = embed_json({"path": text, "list": [text, "</script>"]})
    assert not set("<>&") & set(embedded) and embedded.isascii()
    assert json.loads(embedded) == {"path": text, "list": [text, "</script>"]}


@given(st.text(min_size=1))
def test_any_path_reaches_the_page_data_as_its_visible_form(text):
    data = Page(render_html([hostile_finding(text)], title="t", generated_at=GENERATED)).data()
    assert data["findings"][0]["locations"][0]["path"] == visible(text)


def test_content_security_policy_lets_the_page_load_nothing_but_its_own_script_and_style():
    page = render_html([hostile_finding("x")], title="t", generated_at=GENERATED)
    parsed = Page(page)
    (csp,) = [a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    policy = dict((d.split(" ", 1) + [""])[:2] for d in csp.split("; "))
    assert policy["default-src"] == "'none'" and policy["img-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'"
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert policy["script-src"] == f"'sha256-{sha256_b64(parsed.program())}'"
    assert policy["style-src"] == f"'sha256-{sha256_b64(style)}'"
    assert "unsafe" not in csp
    assert not re.search(r"\b(src|href)=\"(?!#|https?://)", page.split("<body>", 1)[1]), "nothing to load"
    assert ('<meta name="referrer" content="no-referrer">') in page


def sha256_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_links_go_to_the_web_only_and_tell_the_forge_nothing():
    good = "https://github.com/acme/payments/blob/c0ffee/app.py#L3"
    finding = HtmlFinding(
        fingerprint="ls1:1", rule_id="r", provider="p", severity="high", repository="acme/payments", redacted="x",
        first_commit="c0ffee", first_commit_url="javascript:window.pwned=1",
        locations=(HtmlLocation("acme/payments", "app.py", 3, commit="c0ffee", url=good),
                   HtmlLocation("acme/payments", "b.py", 4, url="data:text/html,<script>x</script>"),
                   HtmlLocation("acme/payments", "c.py", 5, url="https://evil.example/\" onclick=\"x")),
    )
    page = render_html([finding], title="t", generated_at=GENERATED)
    links = [a for t, a in Page(page).tags if t == "a"]
    assert links == [{"href": good, "target": "_blank", "rel": "noopener noreferrer"}]
    data = Page(page).data()["findings"][0]
    assert data["first_commit_url"] is None
    assert [loc["url"] for loc in data["locations"]] == [good, None, None]


def test_an_empty_report_says_there_is_nothing():
    page = render_html([], title="acme audit", generated_at=GENERATED)
    parsed = Page(page)
    assert parsed.data() == {"version": "1", "title": "acme audit", "generated_at": GENERATED, "failures": [],
                             "findings": []}
    assert "No findings." in "".join(parsed.text)
    assert "0 of 0 findings shown" in page
    assert 'id="failures"' not in page


def test_failures_come_before_the_findings_and_say_why():
    failures = [HtmlFailure("https://git.example.invalid/acme/gone.git", "clone failed: repository not found"),
                HtmlFailure("acme/broken", "bad object HEAD")]
    page = render_html([hostile_finding("x")], title="t", generated_at=GENERATED, failures=failures)
    section = page.index('id="failures"')
    assert section < page.index('id="findings"') and section < page.index('id="static-findings"')
    assert "2 repository(ies) could not be audited" in page
    assert "clone failed: repository not found" in page and "https://git.example.invalid/acme/gone.git" in page
    assert "2 could not be audited" in page.split("</header>")[0]
    assert Page(page).data()["failures"][1] == {"repository": "acme/broken", "reason": "bad object HEAD"}


def test_control_characters_and_bidi_overrides_are_shown_as_escapes():
    sneaky = "config/\u202eyp.sterces\u202c.txt\x1b[2K"
    page = render_html([hostile_finding(sneaky)], title="t", generated_at=GENERATED)
    assert "\u202e" not in page and "\x1b" not in page
    assert "config/\\u202eyp.sterces\\u202c.txt\\x1b[2K" in "".join(Page(page).text)


def test_age_counts_days_from_the_first_commit_to_the_report():
    def finding(date: str | None) -> HtmlFinding:
        return HtmlFinding("ls1:" + (date or "none"), "r", "p", "low", "repo", "x", first_date=date)

    dates = ["2026-08-01T00:00:00Z", "2025-11-30T10:00:00+01:00", "2026-11-29", None, "yesterday"]
    data = Page(render_html([finding(d) for d in dates], title="t", generated_at=GENERATED)).data()
    ages = {f["fingerprint"]: f["age_days"] for f in data["findings"]}
    assert ages == {"ls1:2026-08-01T00:00:00Z": 121, "ls1:2025-11-30T10:00:00+01:00": 365, "ls1:2026-11-29": 1,
                    "ls1:none": None, "ls1:yesterday": None}


def test_rows_are_readable_without_scripts():
    page = render_html([hostile_finding("app/settings.py")], title="t", generated_at=GENERATED)
    static = page.split("<noscript><table", 1)[1].split("</noscript>", 1)[0]
    for shown in ("critical", "app/settings.py:3", "confirmed", "c0ffeec0ffee", "0 d", "Remediation by rule"):
        assert shown in static


def test_scan_html_is_redacted_unless_secrets_are_shown(leakstop, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "settings.py").write_text(f'STRIPE_SECRET_KEY = "{STRIPE}"\n')
    report = tmp_path / "report.html"
    result = leakstop("scan", tree, "--no-git", "-o", report)
    assert result.code == 1, result.output
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and STRIPE not in page
    (finding,) = Page(page).data()["findings"]
    assert finding["rule_id"] == "stripe-secret-key" and finding["redacted"].endswith("********")
    assert finding["repository"] == f"tree {tree}" and finding["locations"][0]["path"] == "settings.py"
    assert "Roll the key" in finding["remediation"]
    shown = leakstop("scan", tree, "--no-git", "--format", "html", "--show-secrets")
    assert Page(shown.stdout).data()["findings"][0]["redacted"] == STRIPE


def test_scan_errors_are_failures_on_the_page(leakstop, tmp_path):
    rule = write_rule(tmp_path, GOOD_RULE.format(pattern="acme_(a|aa)+b"))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "victim.txt").write_text("acme_" + "a" * 5000 + "!\n")
    result = leakstop("scan", tree, "--no-git", "--rules-path", rule, "--rule-timeout", "0.3", "--format", "html",
                      timeout=60)
    assert result.code == 2, result.output
    (failure,) = Page(result.stdout).data()["failures"]
    assert failure["repository"] == f"tree {tree}"
    assert "victim.txt" in failure["reason"] and "timed out" in failure["reason"]


def test_suppressed_findings_listed_on_request_carry_their_reason(leakstop, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "fixture.py").write_text(f'STRIPE_SECRET_KEY = "{STRIPE}"  # leakstop:allow\n')
    plain = Page(leakstop("scan", tree, "--no-git", "--format", "html").stdout).data()
    assert plain["findings"] == []
    listed = Page(leakstop("scan", tree, "--no-git", "--format", "html", "--show-suppressed").stdout).data()
    (finding,) = listed["findings"]
    assert finding["status"] == "suppressed" and finding["note"].startswith("suppressed by inline")
