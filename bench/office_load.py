"""Load test: procurement officers at once on two app instances sharing one PostgreSQL store, on loopback.

Starts `streamlit run app.py` --instances times (default 2, each on its own port, all with
EVALUATOR_DATABASE_URL naming one database; single-user local mode, no sign-in), then drives --users
(default 20) browser sessions (one headless Chromium, one browser context each, users given to the instances
in turn) through the officer's main path, all started together (or --stagger seconds apart):
open the app, create a case (tender.yaml), add three bid files (upload), open the case, evaluate, download
report.pdf. Each step is timed from the action to the text that shows it done; a step that times out or shows
a Streamlit exception or error box is an error (there must be none). Reports n, p50, p95 and max per step,
the errors, the wall time and the machine; then checks the store: one case per user, every case id
distinct, and `python -m evaluator audit verify` passes. The instances are stopped at the end.

By default the database evaluator_load is dropped and created again on the PostgreSQL server of .ci/postgres
(the server is started with `bash .ci/postgres` only if it does not answer).
Run: python3 bench/office_load.py [--users 20] [--instances 2] [--database-url URL] [--stagger 0]
                                  [--json PATH] [--screenshot PATH] [--failures DIR]
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERVER = "postgresql+psycopg://evaluator:evaluator@127.0.0.1:5432/postgres"  # the server of .ci/postgres
DATABASE = "evaluator_load"
BIDS = [ROOT / "samples" / "bids" / name for name in ("b-001.xlsx", "b-002.xlsx", "iberia-baltic-long.csv")]
STEPS = ("open the app", "create a case", "add the bids", "open the case", "evaluate", "download report.pdf")
AWARD = re.compile(r"^Recommended award")
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'  # st.exception / st.error boxes


# -- the store and the instances ---------------------------------------------------------------------
def answers(url: str) -> bool:
    try:
        with create_engine(url, connect_args={"connect_timeout": 3}).connect():
            return True
    except Exception:  # noqa: BLE001 - any failure to connect means: not there
        return False


def fresh_database() -> str:
    """evaluator_load, dropped and created again through the `postgres` database (AUTOCOMMIT)."""
    if not answers(SERVER):
        subprocess.run(["bash", str(ROOT / ".ci" / "postgres")], check=True, stdout=subprocess.DEVNULL)
    engine = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    engine.dispose()
    return make_url(SERVER).set(database=DATABASE).render_as_string(hide_password=False)


def case_ids(url: str) -> list[str]:
    from evaluator.application import Desk, Store, User

    store = Store(url)  # migrates an empty database: the instances then start on the current schema
    ids = [row["id"] for row in Desk(store, User.local()).cases()]
    store.engine.dispose()
    return ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_instance(port: int, url: str, data: Path) -> subprocess.Popen:
    """An instance whose stderr (the app's JSON log lines) goes to DATA/instance-PORT.log."""
    log = (data / f"instance-{port}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],  # a watched source file that changes is unloaded mid-import
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
        env={**os.environ, "EVALUATOR_DATABASE_URL": url, "EVALUATOR_DATA": str(data)})


def cpu_seconds(pid: int) -> float:
    """The CPU time of a process and of its children it has waited for (the PDF render workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def page_runs(data: Path) -> list[dict]:
    """The instances' `request` log lines: one per page run, with the server's milliseconds."""
    runs = []
    for log in sorted(data.glob("instance-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{") and '"message": "request"' in line:
                runs.append(json.loads(line))
    return runs


def server_side(runs: list[dict], cpu: list[float], wall: float) -> str:
    """How much of the users' waiting was the app's own work: page runs and the instances' CPU time."""
    times = [run["ms"] / 1000 for run in runs]
    by_page: dict[str, list[float]] = {}
    for run in runs:
        by_page.setdefault(run["page"], []).append(run["ms"] / 1000)
    pages = "; ".join(f"{page} {len(values)} runs, p50 {percentile(values, 50):.2f} s, p95 "
                      f"{percentile(values, 95):.2f} s" for page, values in sorted(by_page.items()))
    return (f"server: {len(times)} page runs, p50 {percentile(times, 50):.2f} s, p95 {percentile(times, 95):.2f} s "
            f"({pages}); instances' CPU {' + '.join(f'{c:.0f}' for c in cpu)} s of {wall:.0f} s wall time "
            f"x {os.cpu_count()} cores")


def wait_healthy(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the instance on port {port} exited ({process.returncode})")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the instance on port {port} did not answer within {seconds:.0f} s")


# -- one officer ------------------------------------------------------------------------------------
class StepFailed(Exception):
    pass


async def done_or_error(page, done, timeout: float) -> None:
    """Wait for `done` (a locator) or a Streamlit exception/error box, whichever shows first."""
    errors = page.locator(ERRORS)
    try:
        await done.or_(errors).first.wait_for(timeout=timeout * 1000)
    except Exception as error:  # noqa: BLE001 - playwright's TimeoutError, a closed page...
        raise StepFailed(f"timed out after {timeout:.0f} s" if "Timeout" in type(error).__name__
                         else f"{type(error).__name__}: {error}") from None
    if await errors.count():
        raise StepFailed("error box: " + " | ".join(t.strip()[:300] for t in await errors.all_inner_texts()))


async def officer(browser, number: int, url: str, timeout: float, start_at: float, screenshot: str | None,
                  failures: str | None) -> dict:
    """One user's main path; each step's seconds, the case id, and the error that stopped it (if any)."""
    record = {"user": number, "instance": url, "steps": {}, "case": None, "error": None}
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    context = await browser.new_context(viewport={"width": 1400, "height": 1500}, accept_downloads=True)
    context.set_default_timeout(timeout * 1000)  # every action (an upload waits for its input) as each step
    page = await context.new_page()
    step = STEPS[0]

    async def timed(name: str, action, done, limit: float = timeout) -> None:
        nonlocal step
        step = name
        began = time.perf_counter()
        await action()
        await done_or_error(page, done, limit)
        record["steps"][name] = time.perf_counter() - began

    try:
        expander = page.get_by_test_id("stExpander").filter(has_text="Create a new case")
        await timed(STEPS[0], lambda: page.goto(url, timeout=timeout * 1000), expander)
        create = page.get_by_role("button", name="Create the case")
        if await expander.locator("details").get_attribute("open") is None:  # shut when other cases exist
            await expander.locator("summary").click()
        await create.wait_for(timeout=timeout * 1000)
        created = page.get_by_text(re.compile(r"Case C\d{4}-\d{4} created from tender\.yaml\."))
        await timed(STEPS[1], create.click, created)
        record["case"] = re.search(r"C\d{4}-\d{4}", await created.inner_text()).group(0)
        if f"case={record['case']}" not in page.url:
            raise StepFailed(f"the address does not name {record['case']}: {page.url}")
        uploader = page.get_by_test_id("stFileUploader").filter(has_text="Add bid files").locator("input[type=file]")
        await timed(STEPS[2], lambda: uploader.set_input_files([str(path) for path in BIDS]),
                    page.get_by_text("3 files, 4 bids read, 0 invalid"))
        await timed(STEPS[3], page.get_by_role("button", name="Open the case").click,
                    page.get_by_text(f"Case {record['case']} opened: the bids are fixed."))
        await timed(STEPS[4], page.get_by_role("button", name="Evaluate", exact=True).click,
                    page.get_by_text(AWARD), limit=2 * timeout)
        record["award"] = await page.get_by_text(AWARD).first.inner_text()
        step = STEPS[5]
        button = page.get_by_role("button", name="report.pdf")
        await button.wait_for(timeout=timeout * 1000)
        began = time.perf_counter()
        async with page.expect_download(timeout=timeout * 1000) as download:
            await button.click()
        content = Path(await (await download.value).path()).read_bytes()
        record["steps"][step] = time.perf_counter() - began
        if not content.startswith(b"%PDF-"):
            raise StepFailed(f"report.pdf does not start with %PDF- ({content[:16]!r})")
        await page.wait_for_timeout(1000)  # the download's click reruns the page (it logs the download): let it end
        await page.get_by_test_id("stStatusWidget").wait_for(state="hidden")
        if await page.locator(ERRORS).count():
            raise StepFailed("error box: " + " | ".join(await page.locator(ERRORS).all_inner_texts()))
    except StepFailed as error:
        record["error"] = {"step": step, "message": str(error)}
    except Exception as error:  # noqa: BLE001 - playwright's errors: counted against the step, with their message
        record["error"] = {"step": step, "message": f"{type(error).__name__}: {str(error).splitlines()[0]}"}
    try:  # not a step: a picture of the page as the user left it (or where the error stopped them)
        path = screenshot if record["error"] is None else failures and f"{failures}/load-user-{number}.png"
        if path:
            shown = page.get_by_text(AWARD) if record["error"] is None else page.locator(ERRORS)
            for _ in range(3):  # a rerun may replace the element between finding it and scrolling to it
                with contextlib.suppress(Exception):
                    await shown.first.scroll_into_view_if_needed(timeout=10_000)
                    break
            await page.screenshot(path=path)
            record["screenshot"] = path
    except Exception as error:  # noqa: BLE001
        record["screenshot"] = f"not taken: {type(error).__name__}: {str(error).splitlines()[0]}"
    finally:
        await context.close()
    return record


async def warm_up(browser, url: str, timeout: float) -> float:
    """One page load, untimed in the results: the instance's first run imports the evaluator and its libraries."""
    began = time.perf_counter()
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(url, timeout=timeout * 1000)
    await page.get_by_test_id("stExpander").filter(has_text="Create a new case").wait_for(timeout=timeout * 1000)
    await context.close()
    return time.perf_counter() - began


async def simulate(urls: list[str], users: int, stagger: float, timeout: float, screenshot: str | None,
                   warm: bool, failures: str | None) -> tuple[list, list, float]:
    """The users' records, the warm-up seconds of each instance, and the wall time of the users' run."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        warmed = list(await asyncio.gather(*(warm_up(browser, url, timeout) for url in urls))) if warm else []
        began = time.perf_counter()
        start = time.monotonic() + 1
        records = await asyncio.gather(*(
            officer(browser, n + 1, urls[n % len(urls)], timeout, start + n * stagger, screenshot if n == 0 else None,
                    failures) for n in range(users)))
        wall = time.perf_counter() - began - 1
        await browser.close()
    return records, warmed, wall


# -- the report ----------------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * share // 100) - 1))] if ordered else float("nan")


def table(records: list[dict]) -> str:
    lines = [f"{'step':<22}{'n':>4}{'p50 s':>9}{'p95 s':>9}{'max s':>9}{'errors':>8}"]
    for step in STEPS:
        values = [r["steps"][step] for r in records if step in r["steps"]]
        errors = sum(1 for r in records if r["error"] and r["error"]["step"] == step)
        lines.append(f"{step:<22}{len(values):>4}{percentile(values, 50):>9.2f}{percentile(values, 95):>9.2f}"
                     f"{max(values, default=float('nan')):>9.2f}{errors:>8}")
    paths = [sum(r["steps"].values()) for r in records if len(r["steps"]) == len(STEPS)]
    lines.append(f"{'whole path':<22}{len(paths):>4}{percentile(paths, 50):>9.2f}{percentile(paths, 95):>9.2f}"
                 f"{max(paths, default=float('nan')):>9.2f}{sum(bool(r['error']) for r in records):>8}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--database-url", help=f"a PostgreSQL URL (default: {DATABASE}, created afresh on the "
                                               f"server of .ci/postgres)")
    parser.add_argument("--stagger", type=float, default=0.0, help="seconds between two users' starts")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a step may take (evaluate: twice)")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="no untimed page load on each instance first (the users then pay its imports)")
    parser.add_argument("--json", metavar="PATH", help="write the raw timings here")
    parser.add_argument("--screenshot", metavar="PATH", help="user 1's page after the download")
    parser.add_argument("--failures", metavar="DIR", help="a screenshot of each failed user's page here "
                                                          "(load-user-N.png)")
    args = parser.parse_args()

    url = args.database_url or fresh_database()
    before = case_ids(url)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"] * 3
    processes, ports = [], [free_port() for _ in range(args.instances)]
    with tempfile.TemporaryDirectory() as data:
        try:
            for port in ports:
                processes.append(start_instance(port, url, Path(data)))
            for port, process in zip(ports, processes, strict=True):
                wait_healthy(port, process)
            records, warmed, wall = asyncio.run(simulate([f"http://127.0.0.1:{port}" for port in ports], args.users,
                                                         args.stagger, args.timeout, args.screenshot,
                                                         not args.no_warm_up, args.failures))
            cpu = [cpu_seconds(process.pid) for process in processes]
            runs = page_runs(Path(data))
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    load_after = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"] * 3
    after = case_ids(url)
    new = [case for case in after if case not in before]
    made = [r["case"] for r in records if r["case"]]
    verify = subprocess.run([sys.executable, "-m", "evaluator", "audit", "verify"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "EVALUATOR_DATABASE_URL": url})
    errors = [r for r in records if r["error"]]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before {' '.join(load)}, after {' '.join(load_after)}; "
          f"store {make_url(url).render_as_string()}")
    print(f"{args.users} users on {args.instances} instances (ports {', '.join(map(str, ports))}), "
          f"started {args.stagger:g} s apart; warm-up page load {', '.join(f'{w:.1f}' for w in warmed) or 'none'} s; "
          f"wall time of the users' run {wall:.1f} s")
    print(table(records))
    print(server_side(runs, cpu, wall))
    for record in errors:
        print(f"ERROR user {record['user']} ({record['instance']}) at '{record['error']['step']}': "
              f"{record['error']['message']}" + (f" [{record['screenshot']}]" if record.get("screenshot") else ""))
    print(f"store: {len(new)} new cases for {args.users} users; ids distinct: {len(set(made)) == len(made)}, "
          f"as stored: {sorted(made) == sorted(new)}")
    print("audit verify: " + (verify.stdout or verify.stderr).strip())
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": platform.machine(), "cores": os.cpu_count(), "python": platform.python_version(),
            "load_before": load, "load_after": load_after, "users": args.users, "instances": args.instances,
            "stagger": args.stagger,
            "warm_up_seconds": warmed, "wall_seconds": wall, "steps": list(STEPS), "records": records, "new_cases": new,
            "page_runs": runs, "instance_cpu_seconds": cpu,
            "audit_verify": {"returncode": verify.returncode, "output": (verify.stdout + verify.stderr).strip()},
        }, indent=2))
    ok = not errors and len(new) == args.users and sorted(made) == sorted(new) and verify.returncode == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
