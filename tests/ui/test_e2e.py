"""End to end in a real browser: Debian's Chromium, driven by playwright, against `streamlit run app.py`, with
sign-in through a real OpenID provider (oidc-provider-mock) started by the test.

Set SCREENSHOTS=docs to refresh the pictures of the three workspaces in docs/. The app's latencies (issue 17:
click Evaluate to the ranking, to the stored PDFs, a page switch; 8 and 50 bids) are printed (`-s` shows them)
and, with LATENCY_REPORT=path, written to that JSON file; they are measured, not asserted.
"""

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from secrets import token_hex

import pytest
import yaml

from conftest import ROOT, SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (setup.sh --tests does)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# the provider's users: ana (officers, analysts, evaluators), ben (officers, auditors, evaluators), cleo
# (evaluators), dora (admins); .ci/oidc-provider starts a provider with the same file
PROVIDER_USERS = Path(__file__).with_name("oidc-users.json")
ROLE_MAP = ('{ officers = "officer", analysts = "analyst", auditors = "auditor", evaluators = "evaluator", '
            'admins = "admin" }')


def report_latency(name: str, seconds: float) -> None:
    """A measured latency: printed, and added to the JSON file LATENCY_REPORT names (with the machine's cores)."""
    print(f"latency {name}: {seconds:.2f} s")
    path = os.environ.get("LATENCY_REPORT")
    if path:
        report = json.loads(Path(path).read_text()) if Path(path).exists() else {}
        report.setdefault("cores", os.cpu_count())
        report.setdefault("seconds", {})[name] = round(seconds, 3)
        Path(path).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")


def timed(action, shown) -> float:
    """Seconds from `action` (a click) until the locator `shown` is visible."""
    started = time.monotonic()
    action()
    shown.wait_for(timeout=180_000)
    return time.monotonic() - started


def idle(page) -> None:
    """The page's script is not running (the status widget is gone): a click now is not lost."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def server(command: list[str], health: str, env: dict | None = None):
    """A process serving on loopback, once `health` answers; stopped afterwards."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, **(env or {})})
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(health, timeout=1)  # noqa: S310 - http to our own server
                break
            except OSError:
                time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def streamlit(port: int, data: Path, *options: str):
    return server([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                   "--server.address", "127.0.0.1", *options], f"http://127.0.0.1:{port}/_stcore/health",
                  {"EVALUATOR_DATA": str(data)})


@pytest.fixture
def app_url(tmp_path):
    """The app in single-user local mode (the README's first command) on a store holding the sample case."""
    subprocess.run([sys.executable, "-m", "evaluator", "case", "sample"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "EVALUATOR_DATA": str(tmp_path / "data")})
    port = free_port()
    with streamlit(port, tmp_path / "data"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def signed_in_app(tmp_path):
    """The app with sign-in through an OpenID provider started here, whose predefined users ana and ben are
    both officers and panel evaluators; ana is also an analyst, ben also an auditor; cleo is an evaluator."""
    with app_with_provider(tmp_path) as url:
        yield url


@contextlib.contextmanager
def app_with_provider(tmp_path: Path, *provider_options: str):
    """The app signing users in through an OpenID provider: the one .ci/run started
    (EVALUATOR_TEST_OIDC_ISSUER), else one started here, as always with `provider_options` (e.g. a short
    token life)."""
    port = free_port()
    shared = os.environ.get("EVALUATOR_TEST_OIDC_ISSUER") if not provider_options else None
    with contextlib.ExitStack() as running:
        issuer = shared or running.enter_context(provider(*provider_options))
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
                           f'cookie_secret = "{token_hex()}"\nclient_id = "evaluator"\n'
                           f'client_secret = "{token_hex()}"\n'
                           f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n\n'
                           f'[evaluator]\nroles_claim = "groups"\nrole_map = {ROLE_MAP}\n')
        running.enter_context(streamlit(port, tmp_path / "data", "--secrets.files", str(secrets)))
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def provider(*options: str):
    """oidc-provider-mock on a free port with the users of oidc-users.json; yields its issuer URL."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    users = [arg for claims in json.loads(PROVIDER_USERS.read_text())
             for arg in ("--user-claims", json.dumps(claims))]
    with server([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *users, *options],
                f"{issuer}/.well-known/openid-configuration"):
        yield issuer


def sign_in(page, url: str, name: str) -> None:
    """Through the provider's sign-in page, as one of its predefined users."""
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=name, exact=True).click()
    page.get_by_text(f"Signed in as {name}@buyer.example").wait_for(timeout=60_000)


def workspaces(page) -> list[str]:
    """The workspaces the sidebar offers the signed-in user (none listed when there is only one)."""
    return page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()


def sign_out(page, url: str) -> None:
    """Signing out of the app ends the session at the provider too (its end-session page)."""
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{url}/**", timeout=60_000)
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)


def test_a_tampered_session_cookie_or_an_expired_token_signs_the_user_out(tmp_path):
    """The session cookie is signed with the cookie secret: changed in the browser, it is not accepted. The
    provider's tokens live 12 seconds here: past that, the next page load signs the user out (at the
    provider too) instead of serving the page."""
    from playwright.sync_api import sync_playwright

    with app_with_provider(tmp_path, "--token-max-age", "12") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1200})
        page = context.new_page()
        sign_in(page, url, "ana")
        cookies = context.cookies()
        session = next(cookie for cookie in cookies if cookie["name"].startswith("_streamlit_user"))
        value = session["value"]
        context.add_cookies([{**session, "value": value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")}])
        page.reload()
        page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)  # the changed cookie is refused
        assert "Signed in as" not in page.content()
        sign_in(page, url, "ana")
        page.wait_for_timeout(14_000)  # the token expires
        page.reload()
        page.get_by_role("button", name="End session").wait_for(timeout=60_000)  # signed out, at the provider
        browser.close()


def test_an_administrator_gives_a_role_that_takes_effect_at_the_next_sign_in(signed_in_app, tmp_path):
    """dora (admins) sees the Administrator workspace only; cleo, an evaluator by her provider's groups, who
    typed the Administrator workspace's address and was refused (and logged), is given the auditor role there
    and has the Auditor workspace when she signs in."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        sign_in(page, signed_in_app, "cleo")
        assert workspaces(page) == ["Evaluation panel", "Marketplace"]  # seeded from her groups
        page.goto(f"{signed_in_app}/admin")
        page.get_by_text("Page not found").wait_for(timeout=60_000)
        assert "Add a user" not in page.content()
        with sqlite3.connect(tmp_path / "data" / "evaluator.db") as store:
            refusals = store.execute("SELECT actor, detail FROM audit_log WHERE event = 'permission denied'").fetchall()
        assert [(actor, json.loads(detail)["action"]) for actor, detail in refusals] == [
            ("cleo@buyer.example", "open the Administrator workspace")]
        page.goto(signed_in_app)  # away from the "Page not found" dialog
        sign_out(page, signed_in_app)
        sign_in(page, signed_in_app, "dora")
        page.get_by_text("Add a user, or give roles and grants").wait_for(timeout=60_000)
        assert workspaces(page) == []  # the Administrator workspace only
        page.get_by_role("textbox", name="User to add or change").fill("cleo@buyer.example")
        page.get_by_role("combobox", name="Roles to give").click()
        page.get_by_role("option", name="auditor").click()
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Save").click()
        page.get_by_text("cleo@buyer.example: given auditor.").wait_for(timeout=60_000)
        if os.environ.get("SCREENSHOTS"):
            page.wait_for_timeout(1500)
            page.screenshot(path=f"{os.environ['SCREENSHOTS']}/app-admin.png")
        sign_out(page, signed_in_app)
        sign_in(page, signed_in_app, "cleo")
        page.get_by_text("No evaluation has been stored yet").wait_for(timeout=60_000)  # opens on Auditor
        assert workspaces(page) == ["Policy analyst", "Auditor", "Evaluation panel", "Marketplace"]  # the store decides
        browser.close()


def test_the_readme_first_command_opens_on_the_sample_case(app_url):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(app_url)
        page.get_by_text("Single-user local mode").wait_for(timeout=60_000)
        page.get_by_text("C2026-0001 · Sample case").first.wait_for(timeout=60_000)
        assert "case=C2026-0001" in page.url
        expect(page.get_by_label("Tender name")).to_have_value(
            "Sovereign cloud services for public administrations (sample)", timeout=60_000)
        browser.close()


def test_a_case_from_three_uploads_to_the_dossier(signed_in_app, tmp_path):
    """Signed in through the OpenID provider as ana: create a case, upload three bid files, withdraw one,
    open, evaluate, check the charts, download the report; ana may not approve her own evaluation. Signed in
    as ben: the case is as ana left it; approve, issue the letters, download the dossier and check it with the
    command its VERIFY.txt gives; reproduce the evaluation as the auditor."""
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("SCREENSHOTS")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500}, accept_downloads=True)
        sign_in(page, signed_in_app, "ana")
        page.get_by_text("No tender case yet").wait_for(timeout=60_000)
        assert workspaces(page) == ["Procurement officer", "Policy analyst", "Framework editor", "Evaluation panel",
                                    "Marketplace"]  # not Auditor
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
        idle(page)
        evaluate = page.get_by_role("button", name="Evaluate", exact=True)
        started = time.monotonic()
        report_latency("evaluate_to_ranking_3_bids",
                       timed(evaluate.click, page.get_by_text("Recommended award: B-001")))
        assert "Nordlicht Cloud GmbH" in page.content()
        page.get_by_text("Four-eyes rule").wait_for(timeout=10_000)  # ana ran it: another officer approves
        assert page.get_by_role("button", name="Approve the award").count() == 0
        report_pdf = page.get_by_role("button", name="report.pdf")
        if report_pdf.count() == 0:  # rendering in the background: its progress, the ranking readable meanwhile
            page.get_by_text("are being rendered").first.wait_for(timeout=10_000)
            page.set_viewport_size({"width": 1400, "height": 4000})  # Streamlit scrolls inside its container
            page.screenshot(path=str(tmp_path / "officer-rendering.png"))
            page.set_viewport_size({"width": 1400, "height": 1500})
        report_pdf.wait_for(timeout=180_000)  # offered once stored, without a reload
        report_latency("evaluate_to_pdfs_3_bids", time.monotonic() - started)
        page.get_by_role("button", name="3 draft letters (.zip)").wait_for(timeout=10_000)
        assert page.get_by_text("are being rendered").count() == 0
        page.set_viewport_size({"width": 1400, "height": 4000})
        page.screenshot(path=str(tmp_path / "officer-rendered.png"))
        page.set_viewport_size({"width": 1400, "height": 1500})
        assert_charts_shown(page, 3, tmp_path / "officer.png")  # score distribution, level profile, contributions
        with page.expect_download() as download:
            report_pdf.click()
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
        idle(page)
        report_latency("page_switch_to_analyst", timed(page.get_by_text("Policy analyst", exact=True).first.click,
                                                       page.get_by_text("The ranking, before and after")))
        idle(page)
        report_latency("page_switch_back_to_officer", timed(
            page.get_by_text("Procurement officer", exact=True).first.click, page.get_by_text("One bid in detail")))
        page.get_by_role("button", name="report.pdf").wait_for(timeout=10_000)  # the downloads, from the store
        idle(page)
        page.get_by_text("Policy analyst", exact=True).first.click()
        page.get_by_text("Share of weight draws at each rank").wait_for(timeout=60_000)
        assert_charts_shown(page, 1, tmp_path / "analyst.png")  # rank acceptability
        if shots:
            page.wait_for_timeout(1500)
            page.screenshot(path=f"{shots}/app-analyst.png")
        sign_out(page, signed_in_app)

        sign_in(page, signed_in_app, "ben")
        page.goto(f"{signed_in_app}/?case=C2026-0001")
        page.get_by_text("Recommended award: B-001").wait_for(timeout=60_000)  # as ana left it, from the store
        page.get_by_role("button", name="Approve the award").click()
        page.get_by_text("Award approved by ben@buyer.example").wait_for(timeout=60_000)
        page.get_by_role("button", name="Issue letters").click()
        page.get_by_text("Letters issued at").wait_for(timeout=60_000)
        page.reload()  # the address names the case: everything is read from the store again
        page.get_by_text("Letters issued at").wait_for(timeout=60_000)
        if shots:  # the page scrolls inside Streamlit's container: a tall window shows all of it
            page.set_viewport_size({"width": 1400, "height": 4700})
            page.wait_for_timeout(2000)
            page.screenshot(path=f"{shots}/app-officer.png")
            page.set_viewport_size({"width": 1400, "height": 1500})
        dossier = page.get_by_role("button", name="Download the dossier (.zip)")
        dossier.wait_for(timeout=60_000)
        with page.expect_download(timeout=90_000) as download:
            dossier.click()
        assert download.value.suggested_filename == "C2026-0001.zip"
        assert_dossier_verifies(Path(download.value.path()), tmp_path / "dossier", "C2026-0001")
        page.get_by_text("Auditor", exact=True).first.click()
        page.get_by_text("Tender case history").wait_for(timeout=60_000)
        page.get_by_role("button", name="Reproduce this evaluation").click()
        page.get_by_text("reproduced byte for byte").wait_for(timeout=120_000)
        if shots:
            page.wait_for_timeout(1500)
            page.screenshot(path=f"{shots}/app-auditor.png")
        browser.close()


def test_latencies_of_the_sample_case_and_of_50_bids(app_url, tmp_path):
    """Issue 17, item 4, measured and reported (not asserted): in local mode, the sample case (8 bids) and a case
    of 50 bids (bench/evaluate_10k.py's realistic generator, as bench/report_50.py) are evaluated; each time,
    from the click on Evaluate to the ranking, and to the PDFs offered (rendered in the background), then a
    switch to the policy analyst workspace and back."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "bench"))
    from evaluate_10k import write_bids

    data = tmp_path / "data"
    evaluator_cli(data, "case", "open", "C2026-0001")
    write_bids(tmp_path / "fifty.csv", 50, "realistic")
    fifty = evaluator_cli(data, "case", "new", "--framework", "frameworks/eu-csf-2026.yaml", "--tender",
                          "samples/tender.yaml", "--name", "Fifty bids").split()[-1]
    evaluator_cli(data, "case", "add-bids", fifty, str(tmp_path / "fifty.csv"))
    evaluator_cli(data, "case", "open", fifty)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        for case_id, bids in (("C2026-0001", 8), (fifty, 50)):
            page.goto(f"{app_url}/?case={case_id}")
            evaluate = page.get_by_role("button", name="Evaluate", exact=True)
            evaluate.wait_for(timeout=60_000)
            idle(page)
            started = time.monotonic()
            report_latency(f"evaluate_to_ranking_{bids}_bids",
                           timed(evaluate.click, page.get_by_text("Recommended award: ").first))
            page.get_by_text("are being rendered").first.wait_for(timeout=30_000)
            if bids == 50:
                page.set_viewport_size({"width": 1400, "height": 4000})
                page.screenshot(path=str(tmp_path / f"rendering-{bids}.png"))
                page.set_viewport_size({"width": 1400, "height": 1500})
            page.get_by_role("button", name=f"{bids} draft letters (.zip)").wait_for(timeout=300_000)
            report_latency(f"evaluate_to_pdfs_{bids}_bids", time.monotonic() - started)
            assert page.get_by_role("button", name="report.pdf").count() == 1
            idle(page)
            report_latency(f"page_switch_to_analyst_{bids}_bids", timed(
                page.get_by_text("Policy analyst", exact=True).first.click,
                page.get_by_text("The ranking, before and after")))
            idle(page)
            report_latency(f"page_switch_back_to_officer_{bids}_bids", timed(
                page.get_by_text("Procurement officer", exact=True).first.click,
                page.get_by_text("One bid in detail")))
            page.get_by_role("button", name="report.pdf").wait_for(timeout=10_000)
            if bids == 50:
                page.set_viewport_size({"width": 1400, "height": 4000})
                page.wait_for_timeout(1000)
                page.screenshot(path=str(tmp_path / f"rendered-{bids}.png"))
        browser.close()
    print(f"screenshots in {tmp_path}")


def evaluator_cli(data: Path, *words: str) -> str:
    done = subprocess.run([sys.executable, "-m", "evaluator", *words], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "EVALUATOR_DATA": str(data)}, check=True)
    return done.stdout


def declare_on_the_panel(page, url: str, name: str, case_id: str, recorded: str, address: str = "panel") -> None:
    """Signed in as `name`, the panel workspace of the case: the declaration of conflicts of interest. The
    panel is at /panel, or at / for a user whose first (or only) workspace it is."""
    sign_in(page, url, name)
    page.goto(f"{url}/{address}?case={case_id}")
    page.get_by_text("I declare that I have no other conflict of interest").click()
    page.get_by_role("button", name="Declare", exact=True).click()
    page.get_by_text(f"Declaration recorded: {recorded}").wait_for(timeout=60_000)


def test_a_panel_of_two_members_and_a_chair_reaches_consensus(signed_in_app, tmp_path):
    """The sample panel tender (chair cleo, members ana and ben; ben conflicted with B-007), opened with the
    sample bids. ana declares no conflict and uploads her assessments; ben declares (B-007 listed by the
    tender), cannot see ana's reading of B-004 until he has submitted his own (accepting every claim), then
    can; cleo sees the open disagreement on B-004 SOV-2.2 and records the consensus; the case's evaluation
    then judges B-004 on the consensus answer (ranked 3rd on its claims, excluded on the panel's reading)."""
    from playwright.sync_api import sync_playwright

    data, tender = tmp_path / "data", tmp_path / "panel-tender.yaml"
    named = yaml.safe_load((SAMPLES / "panel-tender.yaml").read_text(encoding="utf-8"))
    named["panel"] = {"chair": "cleo@buyer.example", "members": ["ana@buyer.example", "ben@buyer.example"],
                      "conflicts": {"ben@buyer.example": ["B-007"]}}  # as the identity provider names them
    tender.write_text(yaml.safe_dump(named, allow_unicode=True), encoding="utf-8")
    case_id = evaluator_cli(data, "case", "new", "--framework", "frameworks/eu-csf-2026.yaml", "--tender",
                            str(tender)).split()[-1]
    evaluator_cli(data, "case", "add-bids", case_id, "samples/bids")
    evaluator_cli(data, "case", "open", case_id)
    ana_rows = tmp_path / "ana.csv"
    ana_rows.write_text("bid_id,criterion_id,assessed_answer,justification,assessor,stage\n"
                        "B-004,SOV-2.2,3,The legal opinion covers the EU subsidiary only,ana@buyer.example,"
                        "individual\n")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        declare_on_the_panel(page, signed_in_app, "ana", case_id, "no conflict of interest.")
        page.set_input_files("input[type=file]", str(ana_rows))
        page.get_by_role("button", name="Import the assessments").click()
        page.get_by_text("The assessments in ana.csv are imported.").wait_for(timeout=60_000)
        page.get_by_text("1 of 7 bids submitted").wait_for(timeout=60_000)
        sign_out(page, signed_in_app)

        declare_on_the_panel(page, signed_in_app, "ben", case_id, "conflict of interest with B-007.")
        page.get_by_text("0 of 6 bids submitted").wait_for(timeout=60_000)  # B-007 is not his to see
        page.get_by_role("combobox", name="Bid").click()
        page.get_by_role("option", name="B-004").click()
        page.get_by_text("Assess B-004").wait_for(timeout=60_000)
        assert "covers the EU subsidiary only" not in page.content()  # blind until he submits
        page.get_by_role("button", name="Submit my assessment of B-004 (final)").click()
        page.get_by_text("Your assessment of B-004 is submitted.").wait_for(timeout=60_000)
        page.get_by_text("The legal opinion covers the EU subsidiary only").wait_for(timeout=60_000)
        sign_out(page, signed_in_app)

        declare_on_the_panel(page, signed_in_app, "cleo", case_id, "no conflict of interest.", address="")
        assert workspaces(page) == ["Evaluation panel", "Marketplace"]  # cleo is an evaluator only
        page.get_by_text("Where the members disagree").wait_for(timeout=60_000)
        page.get_by_text("— open").wait_for(timeout=60_000)  # B-004 first: its disagreement is open
        page.get_by_role("textbox", name="SOV-2.2: consensus answer").fill("3")
        page.get_by_role("textbox", name="SOV-2.2: justification (the bidder reads it)").fill(
            "Panel meeting: the opinion does not cover the US parent")
        page.get_by_role("button", name="Record the consensus").click()
        page.get_by_text("The consensus on B-004 is recorded.").wait_for(timeout=60_000)
        page.get_by_text("settled by consensus").wait_for(timeout=60_000)
        if os.environ.get("SCREENSHOTS"):
            page.wait_for_timeout(1500)
            page.screenshot(path=f"{os.environ['SCREENSHOTS']}/app-panel-chair.png")
        browser.close()
    evaluator_cli(data, "case", "evaluate", case_id, "--out", str(tmp_path / "out"), "--formats", "json")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    b004 = next(bid for bid in results["bids"] if bid["bid_id"] == "B-004")
    assert b004["claimed"]["rank"] == 3 and b004["status"] == "excluded"  # the consensus answer caps SOV-2
    assert b004["exclusion_reasons"][0]["message"] == ("SOV-2 Legal & Jurisdictional Sovereignty is at SEAL-1, "
                                                       "below the required SEAL-2; capped by SOV-2.2")
    assert [(m["criterion_id"], m["claimed"], m["assessed"], m["stage"]) for m in b004["moderations"]] == [
        ("SOV-2.2", 4, 3, "consensus")]


def assert_dossier_verifies(archive: Path, where: Path, case_id: str) -> None:
    """The dossier, unpacked on its own, checks with the command its VERIFY.txt names."""
    with zipfile.ZipFile(archive) as dossier:
        dossier.extractall(where)
    folder = where / case_id
    assert "sha256sum -c MANIFEST.sha256" in (folder / "VERIFY.txt").read_text()
    listed = (folder / "MANIFEST.sha256").read_text()
    assert all(name in listed for name in ("case.json", "history.json", "report.pdf", "b-002.xlsx")), listed
    history = json.loads((folder / "history.json").read_text())
    assert {(entry["who"], entry["what"]) for entry in history} >= {
        ("ana@buyer.example", "case evaluated"), ("ben@buyer.example", "award approved")}, history
    check = subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


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


def test_the_app_in_chinese_from_the_language_switch(app_url, tmp_path):
    """Issue 18 in the browser: the sidebar's language switch turns every workspace to Chinese, a reload keeps
    it (the store remembers the user's choice), the sample case evaluates with Chinese labels and its ranking and
    charts drawn; a screenshot of each workspace (SCREENSHOTS=docs writes docs/app-<workspace>-zh.png)."""
    from playwright.sync_api import sync_playwright

    from evaluator import i18n

    with i18n.using("zh-CN"):  # the texts to look for, from the catalogue
        titles = {address: i18n._(title) for address, title in (
            ("officer", "Procurement officer"), ("analyst", "Policy analyst"), ("auditor", "Auditor"),
            ("panel", "Evaluation panel"), ("marketplace", "Marketplace"), ("admin", "Administrator"))}
        open_case, evaluate, ranking = i18n._("Open the case"), i18n._("Evaluate"), i18n._("Ranking")
    shots = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.goto(f"{app_url}/?case=C2026-0001")
        page.get_by_text("Procurement officer", exact=True).first.wait_for(timeout=60_000)
        page.locator("[data-testid=stSidebar] [data-testid=stSelectbox] input").click()
        page.get_by_role("option", name="简体中文").click()
        page.get_by_text(titles["officer"], exact=True).first.wait_for(timeout=60_000)
        page.reload()  # remembered in the store, not in the browser session
        page.get_by_text(titles["officer"], exact=True).first.wait_for(timeout=60_000)
        idle(page)
        page.get_by_role("button", name=open_case, exact=True).click()  # the sample case has its bids, unopened
        page.get_by_role("button", name=evaluate, exact=True).click()
        page.get_by_role("heading", name=ranking, exact=True).first.wait_for(timeout=60_000)
        assert_charts_shown(page, 3, tmp_path / "officer-zh-chart.png")
        for address, title in titles.items():
            page.goto(f"{app_url}/{'' if address == 'officer' else address}?case=C2026-0001")  # officer: the root
            page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
            idle(page)
            if address == "analyst":  # the evaluation just made, to analyse
                page.locator("[data-testid=stMain] [data-testid=stSelectbox]").first.locator("input").click()
                page.get_by_role("option").nth(1).click()
                idle(page)
            page.set_viewport_size({"width": 1400, "height": 4000 if address in ("officer", "analyst") else 1500})
            page.wait_for_timeout(1500)
            page.screenshot(path=str(shots / f"app-{address}-zh.png"))
            page.set_viewport_size({"width": 1400, "height": 1500})
        browser.close()


def test_an_analyst_derives_a_profile_sees_its_effect_and_publishes_it(app_url, tmp_path):
    """Issue 19 in the browser: the framework editor starts a version of the CSF, adds a new weight profile
    with its reason (the running total shown), keeps the draft across a reload, shows the diff and the effect
    on the sample bids side by side, publishes the version, and the officer's new-case form offers it.
    SCREENSHOTS=docs writes docs/app-framework-editor.png."""
    from playwright.sync_api import expect, sync_playwright

    weights = {"SOV-1": 10, "SOV-2": 10, "SOV-3": 30, "SOV-4": 15, "SOV-5": 15, "SOV-6": 5, "SOV-7": 10, "SOV-8": 5}
    shots = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.goto(f"{app_url}/frameworks")
        page.get_by_role("heading", name="Framework editor").first.wait_for(timeout=60_000)
        idle(page)
        page.get_by_role("button", name="Start the new version").click()
        page.get_by_text("A new version of eu-csf-2026 2026.06 is open").wait_for(timeout=60_000)
        idle(page)
        page.get_by_label("Weight profile", exact=True).click()
        page.get_by_role("option", name="(a new profile)").click()
        idle(page)
        page.get_by_label("Name of the new profile").fill("ministry")
        page.get_by_label("Name of the new profile").press("Enter")
        idle(page)
        for objective, weight in weights.items():
            field = page.locator(f"input[aria-label^='{objective} ']")
            field.fill(str(weight))
            field.press("Enter")
            idle(page)
        expect(page.get_by_test_id("stMetricValue").first).to_have_text("100 / 100")
        page.get_by_label("Reason for this change (required; recorded with it)").first.fill("Data sovereignty first")
        page.get_by_label("Reason for this change (required; recorded with it)").first.press("Enter")
        idle(page)
        page.get_by_role("button", name="Add this profile change").click()
        page.get_by_text("Change added.").wait_for(timeout=60_000)
        page.reload()  # the draft is in the store
        page.get_by_test_id("stCode").filter(has_text="weight profile ministry: added (SOV-1 10, SOV-2 10, SOV-3 30")\
            .wait_for(timeout=60_000)  # the diff
        idle(page)
        expect(page.get_by_label("Profile of the new version")).to_have_value("ministry")  # the one just added
        page.get_by_text("Winner under the base: B-001; under the new version: B-001.").wait_for(timeout=60_000)
        grid = page.locator(".st-key-editor-effect [data-testid=stDataFrame]")
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None and box["height"] > 200, box  # eight bids drawn, not an empty element
        page.set_viewport_size({"width": 1400, "height": 3600})
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "app-framework-editor.png"))
        page.set_viewport_size({"width": 1400, "height": 1500})
        page.get_by_role("button", name="Publish version 2026.06-1").click()
        page.get_by_text("eu-csf-2026 2026.06-1 is published: officers can create cases under it.").wait_for(
            timeout=60_000)
        page.goto(app_url)
        page.get_by_text("C2026-0001 · Sample case").first.wait_for(timeout=60_000)
        idle(page)
        page.get_by_text("Create a new case").first.click()
        idle(page)
        page.locator(".st-key-new-framework-eu-csf-2026 input").click()
        expect(page.get_by_role("option", name="eu-csf-2026 2026.06-1 (published")).to_be_visible()
        page.screenshot(path=str(tmp_path / "officer-published-version.png"))
        browser.close()
