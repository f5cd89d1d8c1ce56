"""Backups and restores (SQLite -> PostgreSQL and back), their refusals, the health check, and the migrations
run once when two instances start together. PostgreSQL tests use a database of their own, made afresh."""

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from evaluator.__main__ import main
from evaluator.application import Desk, Store, User
from evaluator.errors import ConfigurationError
from evaluator.model.documents import parse_document
from evaluator.model.framework import Framework
from evaluator.store import backup
from evaluator.store.database import HEAD_REVISION
from evaluator.store.signing import generate_key_pair

from conftest import CSF_PATH, ROOT, SAMPLES

POSTGRES = os.environ.get("EVALUATOR_TEST_POSTGRES_URL")
OWN_DATABASE = "evaluator_backup_test"  # other tests use evaluator_test at the same time


def own_postgres() -> str:
    """The URL of a new, empty database of these tests' own on the test server."""
    if not POSTGRES:
        pytest.skip("EVALUATOR_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)")
    server = make_url(POSTGRES)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {OWN_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {OWN_DATABASE}"))
    admin.dispose()
    return server.set(database=OWN_DATABASE).render_as_string(hide_password=False)


def store_url(kind: str, folder: Path) -> str:
    return f"sqlite:///{folder / 'evaluator.db'}" if kind == "sqlite" else own_postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    return store_url(request.param, tmp_path / "target")


@pytest.fixture(scope="module")
def audit_key(tmp_path_factory) -> str:
    return str(generate_key_pair(tmp_path_factory.mktemp("keys"))[0])


@pytest.fixture(autouse=True)
def signing(audit_key, monkeypatch):
    """Evaluations sign the audit head, so backups hold audit checkpoints too; restores check the signatures."""
    monkeypatch.setenv("EVALUATOR_AUDIT_KEY", audit_key)
    monkeypatch.delenv("EVALUATOR_DATABASE_URL", raising=False)


def clock():
    return "2026-11-26T09:00:00Z"


def filled(url: str) -> str:
    """A store holding a case with two bids, opened and evaluated, a second user, two registered providers and a
    case taking bids from the registry."""
    alice = Desk(Store(url), User("alice", frozenset({"officer", "admin"})), clock)
    framework = parse_document(CSF_PATH.read_bytes(), Framework, CSF_PATH.name)
    alice.import_entries([(name, (SAMPLES / "registry" / name).read_bytes())
                          for name in ("alpine-sovereign.json", "nordlys-cloud.json")], framework)
    case_id = alice.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                ("tender.yaml", (SAMPLES / "tender.yaml").read_bytes()))
    alice.add_case_bids(case_id, [(name, (SAMPLES / "bids" / name).read_bytes())
                                  for name in ("b-001.xlsx", "b-002.xlsx")])
    alice.open_case(case_id)
    alice.evaluate_case(case_id, ("json",))
    alice.set_user("bob", ["analyst"])
    from_registry = alice.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                      ("tender.yaml", (SAMPLES / "registry-tender.yaml").read_bytes()))
    alice.add_case_registry(from_registry, ["alpine-sovereign", "unknown-provider"], dt.date(2026, 11, 26))
    return url


def cli(capsys, monkeypatch, url: str, *argv) -> tuple[int, str, str]:
    monkeypatch.setenv("EVALUATOR_DATABASE_URL", url)
    capsys.readouterr()
    status = main([*map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def rows_in(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = sum(connection.execute(select(func.count()).select_from(table)).scalar_one()
                    for table in backup.TABLES)
    engine.dispose()
    return count


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory, audit_key) -> Path:
    """One backup of a filled SQLite store, for the refusals."""
    folder = tmp_path_factory.mktemp("source")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVALUATOR_AUDIT_KEY", audit_key)
        store = Store(filled(f"sqlite:///{folder / 'evaluator.db'}"))
    backup.write_backup(store.engine, folder / "backup.zip")
    return folder / "backup.zip"


@pytest.mark.parametrize("source, target", [("sqlite", "sqlite"), ("sqlite", "postgresql"),
                                            ("postgresql", "sqlite")])
def test_a_restored_store_verifies_and_backs_up_byte_identical(source, target, capsys, monkeypatch, tmp_path):
    source_url = filled(store_url(source, tmp_path / "source"))
    status, out, _ = cli(capsys, monkeypatch, source_url, "backup", "--out", tmp_path / "first.zip")
    assert status == 0 and out.startswith("Backed up 19 tables, ") and out.count("\n") == 1
    manifest = json.loads(zipfile.ZipFile(tmp_path / "first.zip").read("manifest.json"))
    assert manifest["revision"] == HEAD_REVISION and manifest["tables"]["audit_checkpoints"]["rows"]
    assert all(manifest["tables"][name]["rows"] for name in ("files", "users", "cases", "evaluations", "audit_log",
                                                             "registry_entries", "case_registry"))
    head = f"{manifest['audit_head']['seq']} {manifest['audit_head']['hash']}"
    assert head in out

    target_url = store_url(target, tmp_path / "target")
    status, out, _ = cli(capsys, monkeypatch, target_url, "restore", tmp_path / "first.zip")
    assert status == 0 and f"the audit log verifies, head {head}" in out
    status, out, _ = cli(capsys, monkeypatch, target_url, "audit", "verify")
    assert status == 0 and "1 stored evaluations agree" in out and "every signature verified" in out
    assert cli(capsys, monkeypatch, target_url, "backup", "--out", tmp_path / "second.zip")[0] == 0
    assert (tmp_path / "second.zip").read_bytes() == (tmp_path / "first.zip").read_bytes()
    assert not list(tmp_path.glob(".*.partial"))
    assert (tmp_path / "first.zip").stat().st_mode & 0o777 == 0o600  # it holds every bid, price and user


def test_no_column_takes_its_value_from_a_sequence():
    """A restore inserts every value as backed up; no serial column means no sequence to set afterwards."""
    assert [table.name for table in backup.TABLES if table.autoincrement_column is not None] == []


def rewritten(original: Path, out: Path, change, rehash: bool = True) -> Path:
    """A copy of a backup with `change(entries)` applied to its {name: bytes}, the manifest re-hashed."""
    with zipfile.ZipFile(original) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    change(entries)
    if rehash:
        manifest = json.loads(entries["manifest.json"])
        for name, table in manifest["tables"].items():
            table["sha256"] = hashlib.sha256(entries[f"data/{name}.jsonl"]).hexdigest()
        entries["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out


def altered_actor(entries: dict) -> None:
    lines = entries["data/audit_log.jsonl"].decode().splitlines(keepends=True)
    row = json.loads(lines[1])
    lines[1] = json.dumps({**row, "actor": "mallory"}) + "\n"
    entries["data/audit_log.jsonl"] = "".join(lines).encode()


def promoted_user(entries: dict) -> None:
    entries["data/users.jsonl"] = entries["data/users.jsonl"].replace(b'"roles":"analyst"', b'"roles":"admin"')


def other_revision(entries: dict) -> None:
    entries["manifest.json"] = json.dumps({**json.loads(entries["manifest.json"]), "revision": "0004"}).encode()


def changed_case(entries: dict) -> None:
    entries["data/cases.jsonl"] = entries["data/cases.jsonl"].replace(b"alice", b"carol")


@pytest.mark.parametrize("change, rehash, says", [
    (changed_case, False, "data/cases.jsonl has the SHA-256"),
    (altered_actor, True, "the backup's audit log is broken at entry 2: its content no longer matches its hash"),
    (promoted_user, True, "the users table gives 'bob' the roles ['admin']"),
    (other_revision, True, f"is a backup of schema revision 0004, but this evaluator's schema is at revision "
                           f"{HEAD_REVISION}"),
    (lambda entries: entries.pop("data/users.jsonl"), False, "is not a backup of this evaluator (missing: "
                                                             "data/users.jsonl"),
])
def test_a_backup_that_does_not_check_out_is_refused_and_nothing_is_written(change, rehash, says, url, sqlite_backup,
                                                                             capsys, monkeypatch, tmp_path):
    broken = rewritten(sqlite_backup, tmp_path / "broken.zip", change, rehash)
    status, _, err = cli(capsys, monkeypatch, url, "restore", broken)
    assert status == 2 and says in err and err.count("\n") == 1, err
    assert rows_in(url) == 0


def test_only_an_empty_store_takes_a_restore(url, sqlite_backup, capsys, monkeypatch):
    assert cli(capsys, monkeypatch, url, "restore", sqlite_backup)[0] == 0
    rows = rows_in(url)
    status, _, err = cli(capsys, monkeypatch, url, "restore", sqlite_backup)
    assert status == 2 and "the target store is not empty (" in err and "nothing was restored" in err
    assert rows_in(url) == rows


def test_what_is_not_a_backup_is_refused(url, sqlite_backup, capsys, monkeypatch, tmp_path):
    (tmp_path / "garbage.zip").write_bytes(b"PK\x03\x04 not really a zip")
    status, _, err = cli(capsys, monkeypatch, url, "restore", tmp_path / "garbage.zip")
    assert status == 2 and "is not a backup, or is damaged" in err
    status, _, err = cli(capsys, monkeypatch, url, "restore", tmp_path / "missing.zip")
    assert status == 2 and "cannot be read" in err
    bomb = rewritten(sqlite_backup, tmp_path / "bomb.zip", lambda entries: entries.update(
        {"data/users.jsonl": b" " * 2_000_000}))
    with pytest.raises(ConfigurationError, match="would decompress to [0-9,]+ bytes, more than the 1,000,000"):
        backup.restore(Store(url).engine, bomb, limit=1_000_000)
    assert rows_in(url) == 0


def test_health_is_ok_on_a_migrated_store_and_failing_otherwise(url, capsys, monkeypatch, tmp_path):
    Store(url).engine.dispose()
    status, out, _ = cli(capsys, monkeypatch, url, "health")
    report = json.loads(out)
    assert status == 0 and report == {"status": "ok", "database": make_url(url).get_backend_name(),
                                      "revision": HEAD_REVISION, "audit_head": {"seq": 0, "hash": "0" * 64},
                                      "reason": None}
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    engine.dispose()
    status, out, _ = cli(capsys, monkeypatch, url, "health")
    assert status == 1 and json.loads(out)["reason"].startswith("the schema is at revision 0004, not the head")
    unreachable = "postgresql+psycopg://evaluator:s3cret-pw@127.0.0.1:9/nowhere"
    status, out, err = cli(capsys, monkeypatch, unreachable, "health")
    report = json.loads(out)
    assert status == 1 and report["status"] == "failing" and report["reason"] and "s3cret-pw" not in out + err
    status, out, _ = cli(capsys, monkeypatch, f"sqlite:///{tmp_path / 'none' / 'evaluator.db'}", "health")
    assert status == 1 and "there is no SQLite database at" in json.loads(out)["reason"]
    assert not (tmp_path / "none").exists()


STARTER = """
import sys, time
from evaluator.store import Store
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
Store(sys.argv[1])
"""


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_instances_starting_together_migrate_the_store_once(kind, tmp_path):
    url = store_url(kind, tmp_path)
    start = time.time() + 2.5  # both processes have imported the evaluator by then
    processes = [subprocess.Popen([sys.executable, "-c", STARTER, url, str(start)], cwd=ROOT, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = [(process.wait(timeout=60), process.stderr.read() if process.stderr else "") for process in processes]
    assert outcomes == [(0, ""), (0, "")]
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD_REVISION]
    engine.dispose()
