"""Shared fixtures: the bundled frameworks, and small factories that build bids in memory."""

import os
from pathlib import Path

import pytest

from evaluator.loading import load_framework
from evaluator.model.bid import Bid, BidSet, SourceFile
from evaluator.model.framework import Framework
from evaluator.model.tender import Overrides, Settings, Tender, resolve_settings
from evaluator.scoring import evaluate

ROOT = Path(__file__).resolve().parents[1]
CSF_PATH = ROOT / "frameworks" / "eu-csf-2026.yaml"
LEVELS_PATH = ROOT / "frameworks" / "eu-csf-levels.yaml"
SAMPLES = ROOT / "samples"
NO_OVERRIDES = Overrides()


def sqlite_store_made_at(path: Path, revision: str):
    """A SQLite store as an earlier version made it: migrated up to `revision` only, then opened as today's
    Store (which migrates it the rest of the way)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from evaluator.store import Store
    from evaluator.store.database import MIGRATIONS
    with create_engine(f"sqlite:///{path}").begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return Store(f"sqlite:///{path}")


@pytest.fixture(scope="session", autouse=True)
def private_data_folder(tmp_path_factory):
    """Every test (and every process a test starts) stores into a throwaway data folder, never data/."""
    folder = tmp_path_factory.mktemp("data")
    previous = os.environ.get("EVALUATOR_DATA")
    os.environ["EVALUATOR_DATA"] = str(folder)
    os.environ.pop("EVALUATOR_DATABASE_URL", None)
    yield folder
    if previous is None:
        os.environ.pop("EVALUATOR_DATA", None)
    else:
        os.environ["EVALUATOR_DATA"] = previous


@pytest.fixture
def app_data(tmp_path, monkeypatch):
    """The app's data folder (EVALUATOR_DATA) for one AppTest test; no background rendering outlives it."""
    from evaluator.application import wait_for_reports

    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    yield tmp_path / "data"
    wait_for_reports()


@pytest.fixture(scope="session")
def csf() -> Framework:
    return load_framework(CSF_PATH)[0]


@pytest.fixture(scope="session")
def csf_levels() -> Framework:
    return load_framework(LEVELS_PATH)[0]


def top_ranks(framework: Framework) -> dict[str, int]:
    """The best answer of every criterion."""
    return {c.id: len(c.answers) for c in framework.criteria}


def bid_set(framework: Framework, answers: list[dict[str, int | None]], prices=None) -> BidSet:
    """Bids B-1, B-2, … with the given {criterion: rank} answers (missing or None = unanswered)."""
    prices = prices or [None] * len(answers)
    bids = tuple(Bid(f"B-{i + 1}", f"Vendor {i + 1}", SourceFile("memory", ""), price=price)
                 for i, price in enumerate(prices))
    result = BidSet.of_rows(bids, len(framework.criteria))
    for row, chosen in enumerate(answers):
        for cid, rank in chosen.items():
            result.ranks[row, framework.criterion_index[cid]] = rank or 0
    return result


def run(framework: Framework, answers: list[dict], tender: Tender | None = None, prices=None,
        overrides: Overrides = NO_OVERRIDES):
    settings: Settings = resolve_settings(framework, tender, overrides)
    return evaluate(framework, settings, bid_set(framework, answers, prices))


POSTGRES = os.environ.get("EVALUATOR_TEST_POSTGRES_URL")  # .ci/run starts PostgreSQL and sets it


def emptied_postgres() -> str:
    """The test PostgreSQL database with every table of the schema (and Alembic's) dropped; skips the test when
    no PostgreSQL is configured."""
    from sqlalchemy import create_engine, text

    from evaluator.store.schema import metadata

    if not POSTGRES:
        pytest.skip("EVALUATOR_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)")
    with create_engine(POSTGRES).begin() as connection:
        for table in [*reversed(metadata.sorted_tables), "alembic_version"]:
            connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    return POSTGRES


@pytest.fixture
def private_store(tmp_path, monkeypatch):
    """A store of the test's own (SQLite under tmp_path), and tmp_path as the working folder: nothing a
    command does depends on where it runs. Modules that need it use it automatically (pytestmark)."""
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("EVALUATOR_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, monkeypatch):
    """Run the test on SQLite and on the test PostgreSQL (skipped where none is configured)."""
    if request.param == "postgresql":
        monkeypatch.setenv("EVALUATOR_DATABASE_URL", emptied_postgres())
    return request.param
