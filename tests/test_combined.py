"""A combined tender end to end: certification gate and CSF minimums, then sovereignty, capability and price."""

import json
import subprocess

import pytest

from conftest import CSF_PATH, ROOT, SAMPLES
from evaluator.__main__ import main
from evaluator.ingest.files import read_bids_for
from evaluator.model.framework import load_framework

INPUTS = [str(SAMPLES / "bids"), str(SAMPLES / "certificates.csv"), str(SAMPLES / "product" / "capability-wide.csv")]


@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    out = tmp_path_factory.mktemp("combined")
    assert main(["evaluate", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender-combined.yaml"),
                 "--formats", "json,pdf", "--evaluated-at", "2026-11-26T09:00:00Z", "--out", str(out), *INPUTS]) == 0
    return out, json.loads((out / "results.json").read_text())


def test_each_part_is_in_the_results(combined):
    _, results = combined
    assert results["capability"]["framework"]["id"] == "apc-product-2026"
    assert results["settings"]["award"]["capability_weight"] == 30
    bids = {bid["bid_id"]: bid for bid in results["bids"]}
    assert [bid["bid_id"] for bid in results["bids"] if bid["rank"] == 1] == ["B-001"]
    winner = bids["B-001"]
    assert winner["total"] == pytest.approx((50 * winner["score"] + 30 * winner["capability"]["score"]
                                             + 20 * winner["price_points"]) / 100)
    assert sum(winner["capability"]["objectives"].values()) == pytest.approx(winner["capability"]["score"], abs=1e-5)


def test_each_gate_excludes_with_its_reason(combined):
    _, results = combined
    kinds = {bid["bid_id"]: [reason["kind"] for reason in bid["exclusion_reasons"]] for bid in results["bids"]}
    assert kinds["B-004"] == ["certification"]
    assert kinds["B-002"] == ["minimum_level", "certification", "capability"]  # all three fail
    assert all(bid["source"]["file"].endswith(("xlsx", "long.csv", "wide.csv")) for bid in results["bids"])


def test_the_report_shows_the_capability_part(combined):
    out, _ = combined
    text = " ".join(subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True,
                                   text=True).stdout.split())
    assert "Capability %" in text and "Product capability: scored under apc-product-2026 2026.1" in text
    assert "30 % × capability score" in text


def test_files_go_to_the_framework_whose_criteria_they_answer():
    csf, _ = load_framework(CSF_PATH)
    product, _ = load_framework(ROOT / "frameworks" / "apc-product-2026.yaml")
    main_bids, capability_bids = read_bids_for(INPUTS, [csf, product])
    assert {bid.source.file.rsplit("/", 1)[-1] for bid in capability_bids.bids} == {"capability-wide.csv"}
    assert not any(bid.invalid for bid in capability_bids.bids) and len(capability_bids.bids) == 6
    assert "capability-wide.csv" not in {bid.source.file.rsplit("/", 1)[-1] for bid in main_bids.bids}
    assert next(bid for bid in main_bids.bids if bid.bid_id == "B-001").certificates[0].scheme == "eucs"
