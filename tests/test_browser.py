"""The report in a real browser: Debian's Chromium opens the page offline, every request but the
file itself refused and recorded. Without chromium the test skips and says why, unless
NKRU_REQUIRE_BROWSER is set (CI sets it): then a missing browser is a failure."""

from __future__ import annotations

import html
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import run


def _chromium() -> str | None:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    return found


def _required_chromium() -> str:
    """Chromium's path; without it a skip that says why, or a failure where CI requires it."""
    executable = _chromium()
    if executable is None:
        reason = "chromium or the playwright package is missing (apt-get install chromium; pip install -e '.[test]')"
        if os.environ.get("NKRU_REQUIRE_BROWSER"):
            pytest.fail(f"NKRU_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)
    return executable


@pytest.mark.parametrize(("required", "outcome"), [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_browser_fails_only_where_required(monkeypatch: pytest.MonkeyPatch, required: str, outcome: type[BaseException]):
    monkeypatch.setattr(sys.modules[__name__], "_chromium", lambda: None)
    monkeypatch.setenv("NKRU_REQUIRE_BROWSER", required)
    with pytest.raises(outcome, match="chromium or the playwright package is missing"):
        _required_chromium()


def test_the_report_renders_offline_in_chromium(tmp_path: Path):
    executable = _required_chromium()
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    assert run("report", "--output", str(path), "--simulate", "2000").exit_code == 0
    url = path.as_uri()
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
            page.goto(url)
            page.wait_for_load_state("load")
            boxes = [svg.bounding_box() for svg in page.query_selector_all("figure svg")]
            tables = page.locator("table").count()
            captions = page.locator("table > caption").all_inner_texts()
            headings = page.locator("h2").all_inner_texts()
            shot = tmp_path / "report.png"
            page.screenshot(path=shot, full_page=True)
        finally:
            browser.close()
    assert requests == [url]
    assert errors == []
    assert len(boxes) == 3 and all(box and box["width"] > 100 and box["height"] > 50 for box in boxes)
    written = [html.unescape(c) for c in re.findall(r"<caption>(.*?)</caption>", path.read_text(encoding="utf-8"))]
    assert tables == len(written) >= 10 and captions == written
    assert headings[:2] == ["The answer", "nkru deal-value"] and "Charts" in headings
    assert shot.stat().st_size > 10_000
