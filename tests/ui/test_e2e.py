"""End to end in a real browser: Debian's Chromium, driven by playwright, against `streamlit run app.py`.

Set SCREENSHOTS=docs to refresh the pictures of the three workspaces in docs/.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (setup.sh --tests does)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def app_url(tmp_path):
    with socket.socket() as probe:  # a free port on this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "EVALUATOR_DATA": str(tmp_path / "data")})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)  # noqa: S310 - http to our own server
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_case_from_three_uploads_to_the_report(app_url, tmp_path):
    """Create a case, upload three bid files, withdraw one, open, evaluate, check the charts, download the
    report, and find the case unchanged after a reload. The award's approval needs a second officer, which
    the single-user local mode this test runs in does not have: the page says so (four-eyes), and the
    approval itself is tested through two Desk users in tests/test_application_cases.py."""
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("SCREENSHOTS")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.goto(app_url)
        page.get_by_text("No tender case yet").wait_for(timeout=60_000)
        page.get_by_role("button", name="Create the case").click()
        page.get_by_text("Case C2026-0001 created from tender.yaml.").wait_for(timeout=60_000)
        assert "case=C2026-0001" in page.url
        page.set_input_files("input[type=file]", [str(SAMPLES / "bids" / name) for name in
                                                  ("b-001.xlsx", "b-002.xlsx", "iberia-baltic-long.csv")])
        page.get_by_text("3 files, 4 bids read, 0 invalid").wait_for(timeout=60_000)
        page.get_by_role("button", name="Withdraw").nth(1).click()  # b-002.xlsx (the rows follow the files' order)
        page.get_by_text("2 files, 3 bids read, 0 invalid").wait_for(timeout=60_000)
        assert "b-002.xlsx" in page.get_by_text("Withdrawn (kept in the store and the dossier)").inner_text()
        page.get_by_role("button", name="Open the case").click()
        page.get_by_text("opened: the bids are fixed").wait_for(timeout=60_000)
        page.get_by_role("button", name="Evaluate", exact=True).click()
        page.get_by_text("Recommended award: B-001").wait_for(timeout=120_000)
        assert "Nordlicht Cloud GmbH" in page.content()
        page.get_by_text("Four-eyes rule").wait_for(timeout=10_000)  # approval: another officer, not here
        assert_charts_shown(page, 3, tmp_path / "officer.png")  # score distribution, level profile, contributions
        with page.expect_download() as download:
            page.get_by_role("button", name="report.pdf").click()
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
        page.reload()  # the address names the case: everything is read from the store again
        page.get_by_text("Recommended award: B-001").wait_for(timeout=60_000)
        assert "case=C2026-0001" in page.url
        if shots:
            page.wait_for_timeout(1000)
            page.screenshot(path=f"{shots}/app-officer.png", full_page=True)
        for workspace, ready in (("Policy analyst", "The ranking, before and after"),
                                 ("Auditor", "The command that reproduces it")):
            page.get_by_text(workspace, exact=True).first.click()
            page.get_by_text(ready).first.wait_for(timeout=60_000)
            if workspace == "Policy analyst":
                page.get_by_text("Share of weight draws at each rank").wait_for(timeout=60_000)
                assert_charts_shown(page, 1, tmp_path / "analyst.png")  # rank acceptability
            if workspace == "Auditor":
                page.get_by_text("Tender case history").wait_for(timeout=60_000)
                page.get_by_role("button", name="Reproduce this evaluation").click()
                page.get_by_text("reproduced byte for byte").wait_for(timeout=120_000)
            if shots:
                page.wait_for_timeout(1500)
                page.screenshot(path=f"{shots}/app-{workspace.split()[-1].lower()}.png")
        browser.close()


def assert_charts_shown(page, count: int, screenshot: Path) -> None:
    """The page's charts are images with a size (Streamlit's st.html strips <svg>, which left them empty);
    a screenshot of the first is kept beside the test's files to look at."""
    charts = page.locator('[data-testid="stImage"] img')
    charts.nth(count - 1).wait_for(timeout=60_000)
    assert charts.count() == count
    for index in range(count):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        assert chart.evaluate("image => image.complete && image.naturalWidth > 0")  # the SVG decoded
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, box
    charts.first.screenshot(path=str(screenshot))
