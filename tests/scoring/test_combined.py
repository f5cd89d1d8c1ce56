"""A combined tender end to end: certification gate and CSF minimums, then sovereignty, capability and price."""

import json
import subprocess

import pytest

from evaluator.__main__ import main
from evaluator.ingest.files import read_bids_for
from evaluator.loading import load_framework

from conftest import CSF_PATH, ROOT, SAMPLES

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


def combined_inputs():
    """The combined sample read as every caller reads it: each file under the framework it answers."""
    from evaluator.loading import load_schemes, load_tender
    from evaluator.model.tender import resolve_settings
    from evaluator.scoring import capability_part

    csf, _ = load_framework(CSF_PATH)
    product, product_sha = load_framework(ROOT / "frameworks" / "apc-product-2026.yaml")
    tender, _ = load_tender(SAMPLES / "tender-combined.yaml")
    main_bids, capability_bids = read_bids_for(INPUTS, [csf, product])
    return csf, resolve_settings(csf, tender, schemes=load_schemes()), main_bids, \
        capability_part(tender, product, product_sha), capability_bids


def test_the_combined_rule_is_in_the_scoring_core(combined):
    """Any caller that passes the frameworks and bid sets gets exactly the totals and ranks the CLI wrote."""
    from evaluator.scoring import evaluate_combined

    _, results = combined
    csf, settings, main_bids, part, capability_bids = combined_inputs()
    outcome = evaluate_combined(csf, settings, main_bids, part, capability_bids)
    by_file = {(bid.bid_id, bid.source.file): row for row, bid in enumerate(outcome.evaluation.bids.bids)}
    for bid in results["bids"]:
        row = by_file[(bid["bid_id"], bid["source"]["file"])]
        assert outcome.evaluation.status[row] == bid["status"]
        assert (int(outcome.evaluation.rank[row]) or None) == bid["rank"]
        if bid["total"] is not None:
            assert float(outcome.evaluation.total[row]) == bid["total"]
    assert outcome.summary["bids"] == {key: value["capability"] for key, value in
                                       ((b["bid_id"], b) for b in results["bids"]) if value.get("capability")}


def test_a_combined_tender_evaluated_without_its_capability_side_excludes_instead_of_crashing():
    """Before: award_total raised TypeError ('float' * None). Now every bid is excluded, with the reason."""
    from evaluator.scoring import evaluate

    csf, settings, main_bids, _, _ = combined_inputs()
    evaluation = evaluate(csf, settings, main_bids)
    assert "ranked" not in evaluation.status
    assert all(any(reason.kind == "capability" for reason in reasons)
               for reasons, status in zip(evaluation.exclusion_reasons, evaluation.status, strict=True)
               if status != "invalid")


def test_the_analyst_layer_reads_a_stored_combined_evaluation_with_both_frameworks(tmp_path, monkeypatch):
    """analysis_bids gives the capability answers to the capability side, not to the CSF bids, and the
    scoring core's rule over them gives the stored totals again."""
    from evaluator.application import Desk, Store, User
    from evaluator.pipeline import Request
    from evaluator.scoring import evaluate_combined

    monkeypatch.chdir(ROOT)
    desk = Desk(Store(f"sqlite:///{tmp_path / 'evaluator.db'}"), User.local())
    request = Request(framework="frameworks/eu-csf-2026.yaml", tender="samples/tender-combined.yaml",
                      inputs=("samples/bids", "samples/certificates.csv", "samples/product/capability-wide.csv"),
                      formats=("json",), evaluated_at="2026-11-26T09:00:00Z")
    outcome, evaluation_id = desk.evaluate(request)
    inputs = desk.analysis_bids(evaluation_id)
    assert inputs.tender.capability is not None and inputs.capability.framework.id == "apc-product-2026"
    assert len(inputs.capability_bids.bids) == 6
    assert not any(bid.source.file.endswith("capability-wide.csv") for bid in inputs.bids.bids)
    csf = outcome.evaluation.framework
    again = evaluate_combined(csf, outcome.evaluation.settings, inputs.bids, inputs.capability,
                              inputs.capability_bids).evaluation
    assert again.status == outcome.evaluation.status
    assert again.total.tolist() == pytest.approx(outcome.evaluation.total.tolist(), nan_ok=True)
