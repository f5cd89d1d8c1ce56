"""One office: two instances of the app on one PostgreSQL database, behind nginx with the configuration in
deploy/nginx/evaluator.conf (its ports, log and certificate filled in here), signing in through an OpenID
provider whose redirect_uri is nginx's address. ana works on one instance, ben on the other; both see the
same cases, and evaluations started at the same moment from both instances leave an intact audit log.

Needs Chromium, nginx (setup.sh --tests installs both) and EVALUATOR_TEST_POSTGRES_URL (`bash .ci/postgres`
prints it); the test makes a database of its own, evaluator_office_test, on that server.
"""

import contextlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex

import pytest
from test_e2e import CHROMIUM, FLAGS, ROLE_MAP, free_port, provider, server, sign_in, workspaces

from conftest import ROOT, SAMPLES

TEMPLATE = ROOT / "deploy" / "nginx" / "evaluator.conf"
NGINX = shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)
POSTGRES = os.environ.get("EVALUATOR_TEST_POSTGRES_URL")
DATABASE = "evaluator_office_test"  # other tests use the server's evaluator_test at the same time
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (setup.sh --tests does)")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (setup.sh --tests does)")
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="EVALUATOR_TEST_POSTGRES_URL is not set (bash .ci/postgres "
                                                         "prints it)")
LOG_LINE = re.compile(r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) \d+ route=(?P<route>\S+) '
                      r'upstream=(?P<upstream>\S+)')


@dataclass
class Office:
    url: str  # nginx, plain HTTP
    tls: str  # nginx, the production server (self-signed certificate)
    redirect: str  # nginx, the production HTTP server that redirects to HTTPS
    instances: list[str]  # host:port of each app instance
    database: str
    log: Path

    def requests(self) -> list[dict]:
        """nginx's access log: which instance served which browser (its route cookie)."""
        return [match.groupdict() for match in map(LOG_LINE.search, self.log.read_text().splitlines()) if match]

    def instance_for(self, route: str) -> str:
        """The instance nginx routes a browser with this route cookie to, read from the access log."""
        with urllib.request.urlopen(urllib.request.Request(  # noqa: S310 - http to our own nginx
                f"{self.url}/_stcore/health", headers={"Cookie": f"evaluator_route={route}"}), timeout=10):
            pass
        deadline = time.monotonic() + 10  # nginx writes the log line after the response: wait for it
        while not (logged := [request for request in self.requests() if request["route"] == route]) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        return logged[-1]["upstream"]


def nginx_configuration(folder: Path, upstreams: list[int], http: int, tls: int, redirect: int) -> Path:
    """deploy/nginx/evaluator.conf with ports, log and a self-signed certificate filled in, inside a main
    configuration whose paths are all in `folder` (nginx runs as the user running the test)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    text = TEMPLATE.read_text()
    for old, new in {"server 127.0.0.1:8501;": f"server 127.0.0.1:{upstreams[0]};",
                     "server 127.0.0.1:8502;": f"server 127.0.0.1:{upstreams[1]};",
                     "listen 127.0.0.1:8080;": f"listen 127.0.0.1:{http};",
                     "listen 443 ssl;": f"listen 127.0.0.1:{tls} ssl;",
                     "listen 80;": f"listen 127.0.0.1:{redirect};",
                     "/etc/ssl/certs/evaluator.buyer.example.pem": str(cert),
                     "/etc/ssl/private/evaluator.buyer.example.key": str(key),
                     "/var/log/nginx/evaluator.access.log": str(folder / "access.log")}.items():
        assert old in text, old
        text = text.replace(old, new)
    (folder / "evaluator.conf").write_text(text)
    temporary = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                         "uwsgi", "scgi"))
    main = folder / "nginx.conf"
    main.write_text(("user root;\n" if os.geteuid() == 0 else "")  # else workers run as nobody, shut out of folder
                    + "worker_processes 1;\nevents { worker_connections 512; }\n"
                    + f"http {{\n    {temporary}\n    access_log {folder / 'other.log'};\n"
                    + f"    include {folder / 'evaluator.conf'};\n}}\n")
    return main


def nginx_command(main: Path, *options: str) -> list[str]:
    folder = main.parent
    return [str(NGINX), "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log"),
            "-g", f"daemon off; pid {folder / 'nginx.pid'};", *options]


@pytest.fixture
def office_database():
    """A database of its own on the test PostgreSQL server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(POSTGRES).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    yield make_url(POSTGRES).set(database=DATABASE).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def office(tmp_path, office_database):
    """The OpenID provider, two app instances on the database and nginx in front of them."""
    http, tls, redirect, ports = free_port(), free_port(), free_port(), [free_port(), free_port()]
    url = f"http://127.0.0.1:{http}"
    main = nginx_configuration(tmp_path / "nginx", ports, http, tls, redirect)
    with contextlib.ExitStack() as stack:
        issuer = stack.enter_context(provider())
        secrets = tmp_path / "secrets.toml"  # one for both instances: the same cookie secret, nginx's address
        secrets.write_text(f'[auth]\nredirect_uri = "{url}/oauth2callback"\n'
                           f'cookie_secret = "{token_hex()}"\nclient_id = "evaluator"\n'
                           f'client_secret = "{token_hex()}"\n'
                           f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n\n'
                           f'[evaluator]\nroles_claim = "groups"\nrole_map = {ROLE_MAP}\n')
        for port in ports:  # as deploy/nginx/evaluator.conf's header says
            stack.enter_context(server(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--secrets.files", str(secrets),
                 "--server.fileWatcherType", "none"],  # others edit the sources while the tests run
                f"http://127.0.0.1:{port}/_stcore/health", {"EVALUATOR_DATABASE_URL": office_database}))
        stack.enter_context(server(nginx_command(main), f"{url}/_stcore/health"))
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as answer:  # noqa: S310 - our nginx
            assert answer.status == 200, (tmp_path / "nginx" / "error.log").read_text()
        yield Office(url, f"https://127.0.0.1:{tls}", f"http://127.0.0.1:{redirect}",
                     [f"127.0.0.1:{port}" for port in ports], office_database, tmp_path / "nginx" / "access.log")


def evaluator_cli(database: str, *words: str) -> str:
    done = subprocess.run([sys.executable, "-m", "evaluator", *words], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "EVALUATOR_DATABASE_URL": database})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def stored_output(database: str, evaluation_id: str, name: str) -> bytes:
    from evaluator.application import Desk, User
    from evaluator.store import Store

    store = Store(database)
    try:
        return Desk(store, User.local()).output(evaluation_id, name)
    finally:
        store.engine.dispose()


def route_of(context) -> str:
    return next(cookie["value"] for cookie in context.cookies() if cookie["name"] == "evaluator_route")


def downloaded(page, button: str) -> bytes:
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("button", name=button).click()
    return Path(download.value.path()).read_bytes()


@needs_nginx
def test_the_nginx_configuration_passes_nginx_t(tmp_path):
    """The production form (TLS server and redirect) and the plain-HTTP form, filled in, pass `nginx -t`; the
    two proxying servers have the same locations."""
    main = nginx_configuration(tmp_path, [free_port(), free_port()], free_port(), free_port(), free_port())
    check = subprocess.run(nginx_command(main, "-t"), capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "test is successful" in check.stderr
    text = TEMPLATE.read_text()
    servers = text.split("\nserver {")[1:]
    locations = [server_[server_.index("    location /"):server_.index("\n}")] for server_ in servers
                 if "location /" in server_]
    assert len(locations) == 2 and locations[0] == locations[1]
    upload = re.search(r"maxUploadSize = (\d+)", (ROOT / ".streamlit" / "config.toml").read_text()).group(1)
    assert text.count(f"client_max_body_size {upload}m;") == 2  # the app's upload limit, in MiB


@needs_nginx
@needs_chromium
@needs_postgres
def test_two_instances_behind_nginx_serve_one_office(office):
    """ana signs in through nginx, creates a case, uploads a bid and adds the sample bids, opens and evaluates
    it: every request of her browser, the WebSocket, the upload, the downloads and the OpenID callback, went to
    one instance. ben, routed to the other instance, finds the case as she left it, reproduces the evaluation
    as the auditor and downloads results.json, whose bytes are the database's. Then both press Evaluate at the
    same moment, on two cases, from the two instances; the audit log verifies. Sent to ana's instance, ben's
    browser is still signed in."""
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    # the production server: TLS, the route cookie marked Secure; its HTTP twin redirects
    with urllib.request.urlopen(f"{office.tls}/_stcore/health", timeout=10,  # noqa: S310 - our nginx
                                context=ssl._create_unverified_context()) as answer:  # noqa: S323 - self-signed
        route = next(cookie for cookie in answer.headers.get_all("Set-Cookie") if cookie.startswith("evaluator_route="))
        assert answer.status == 200 and "; Secure;" in route, route
    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoRedirect).open(f"{office.redirect}/?case=C2026-0001", timeout=10)
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"] == "https://127.0.0.1/?case=C2026-0001"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        ana = browser.new_context(viewport={"width": 1400, "height": 1500}, accept_downloads=True)
        page = ana.new_page()
        sign_in(page, office.url, "ana")
        page.get_by_text("No tender case yet").wait_for(timeout=60_000)  # the page, and so its sidebar, has opened
        assert workspaces(page) == ["Procurement officer", "Policy analyst", "Framework editor", "Evaluation panel",
                                    "Marketplace"]
        page.get_by_role("button", name="Create the case").click()
        page.get_by_text("Case C2026-0001 created from tender.yaml.").wait_for(timeout=60_000)
        page.set_input_files("input[type=file]", str(SAMPLES / "bids" / "b-001.xlsx"))  # an upload, through nginx
        page.get_by_text(re.compile(r"^1 files, \d+ bids read")).wait_for(timeout=60_000)
        page.get_by_role("button", name="Add the bundled sample bids").click()
        page.get_by_text(re.compile(r"^6 files, \d+ bids read")).wait_for(timeout=60_000)
        page.get_by_role("button", name="Open the case").click()
        page.get_by_text("opened: the bids are fixed").wait_for(timeout=60_000)
        page.get_by_role("button", name="Evaluate", exact=True).click()
        page.get_by_text("Evaluated: stored as evaluation").wait_for(timeout=180_000)
        award = page.get_by_text(re.compile(r"^Recommended award: ")).first.inner_text()
        page.get_by_role("button", name="report.pdf").wait_for(timeout=180_000)  # rendered in the background
        assert downloaded(page, "report.pdf").startswith(b"%PDF-")
        page.wait_for_timeout(1000)
        page.screenshot(path="/tmp/office-ana.png")
        ana_route = route_of(ana)
        ana_instance = office.instance_for(ana_route)
        other = next(instance for instance in office.instances if instance != ana_instance)
        ben_route = next(route for route in (f"ben-{n}" for n in range(64)) if office.instance_for(route) == other)

        ben = browser.new_context(viewport={"width": 1400, "height": 1500}, accept_downloads=True)
        ben.add_cookies([{"name": "evaluator_route", "value": ben_route, "url": office.url}])
        page_b = ben.new_page()
        sign_in(page_b, office.url, "ben")
        page_b.goto(f"{office.url}/?case=C2026-0001")
        page_b.get_by_text(award).wait_for(timeout=60_000)  # as ana left it, from the other instance
        case = json.loads(evaluator_cli(office.database, "case", "show", "C2026-0001", "--format", "json"))
        first = case["evaluations"][-1]["id"]
        page_b.get_by_text("Auditor", exact=True).first.click()
        page_b.get_by_text("Tender case history").wait_for(timeout=60_000)
        assert downloaded(page_b, "Download results.json") == stored_output(office.database, first, "results.json")
        page_b.get_by_role("button", name="Reproduce this evaluation").click()
        page_b.get_by_text("reproduced byte for byte").wait_for(timeout=180_000)
        page_b.wait_for_timeout(1000)
        page_b.screenshot(path="/tmp/office-ben-auditor.png")

        # two evaluations at the same moment, one on each instance
        second = evaluator_cli(office.database, "case", "new", "--framework", "frameworks/eu-csf-2026.yaml",
                               "--tender", "samples/tender.yaml", "--name", "Second").split()[-1]
        evaluator_cli(office.database, "case", "add-bids", second,  # other inputs: another evaluation (the same
                      *(f"samples/bids/{name}" for name in ("b-001.xlsx", "b-002.xlsx", "b-007.xlsx")))  # is one)
        evaluator_cli(office.database, "case", "open", second)
        page.goto(f"{office.url}/?case=C2026-0001")
        page_b.goto(f"{office.url}/?case={second}")
        page.get_by_text(award).wait_for(timeout=60_000)
        page_b.get_by_text("Not evaluated yet.").wait_for(timeout=60_000)
        for each in (page, page_b):  # both pages idle (not running their script): a click now is not lost
            each.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)
        page.get_by_role("button", name="Evaluate", exact=True).click()
        page_b.get_by_role("button", name="Evaluate", exact=True).click()
        for each in (page, page_b):  # both evaluated, their PDFs rendering in the background, each instance its own
            each.get_by_text("Evaluated: stored as evaluation").wait_for(timeout=240_000)
        rendering = [each.get_by_text("are being rendered").count() for each in (page, page_b)]
        for name, each in (("ana", page), ("ben", page_b)):
            try:
                each.get_by_role("button", name="report.pdf").wait_for(timeout=240_000)
            finally:
                each.screenshot(path=f"/tmp/office-{name}-concurrent.png")
        print(f"office: rendering at once on both instances: {rendering}")
        # ben's browser sent to ana's instance (as when his own stops): still signed in, the cookie secret shared
        ben.add_cookies([{"name": "evaluator_route", "value": ana_route, "url": office.url}])
        page_b.goto(f"{office.url}/?case={second}")
        page_b.get_by_text("Signed in as ben@buyer.example").wait_for(timeout=60_000)
        page_b.get_by_text("Recommended award: ").first.wait_for(timeout=60_000)
        browser.close()

    assert ana_instance != other
    served = office.requests()
    time.sleep(1)  # nginx logs a WebSocket when it closes
    for route, instance in ((ana_route, ana_instance), (ben_route, other)):
        mine = [request for request in served if request["route"] == route]
        assert {request["upstream"] for request in mine} == {instance}, mine
        paths = {request["path"].split("?")[0] for request in mine}
        assert {"/_stcore/stream", "/oauth2callback"} <= paths, paths
        assert any(path.startswith("/media/") for path in paths), paths
        assert any(request["path"] == "/_stcore/stream" and request["status"] == "101" for request in mine)
    assert any(request["path"].startswith("/_stcore/upload_file/") and request["method"] == "PUT"
               for request in served if request["route"] == ana_route)
    evaluations = {case_id: [(row["id"], row["by"]) for row in json.loads(evaluator_cli(
        office.database, "case", "show", case_id, "--format", "json"))["evaluations"]]
        for case_id in ("C2026-0001", second)}
    assert [[by for _, by in rows] for rows in evaluations.values()] == [
        ["ana@buyer.example", "ana@buyer.example"], ["ben@buyer.example"]], evaluations
    assert len({evaluation_id for rows in evaluations.values() for evaluation_id, _ in rows}) == 3, evaluations
    verified = evaluator_cli(office.database, "audit", "verify")
    assert "3 stored evaluations agree with their entries" in verified, verified
    print(f"office: {time.monotonic() - started:.0f} s; ana on {ana_instance}, ben on {other}; {verified.strip()}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
