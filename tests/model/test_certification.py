"""Certification gates: schemes and levels as data, certificates from a CSV, failures as exclusion reasons."""

import datetime as dt

import pytest

from evaluator.errors import ConfigurationError
from evaluator.ingest.files import read_bids
from evaluator.loading import load_framework, load_schemes, load_tender
from evaluator.model.certification import Certificate, CertificationGate, certificate_failures
from evaluator.model.tender import Tender, resolve_settings
from evaluator.scoring import evaluate

from conftest import CSF_PATH, SAMPLES, run, top_ranks
from factories import read_bid_bytes

SCHEMES = load_schemes()


def gate(**rule) -> CertificationGate:
    return CertificationGate(as_of=dt.date(2026, 12, 1), rules=[{"scheme": "eucs", "minimum": "substantial", **rule}])


def certificate(level="substantial", issued=dt.date(2026, 1, 1), scheme="eucs", findings=0) -> Certificate:
    return Certificate(scheme, level, issued, open_high_findings=findings)


@pytest.mark.parametrize("held, passes", [
    ((certificate(),), True),
    ((certificate("high"),), True),
    ((certificate("basic"),), False),
    ((), False),
    ((certificate(issued=dt.date(2023, 1, 1)),), False),  # older than 1095 days
    ((certificate(issued=dt.date(2027, 1, 1)),), False),  # not yet issued on the date the tender judges
    ((certificate(findings=1),), False),
    ((certificate("basic"), certificate("high")), True),  # one certificate that satisfies is enough
])
def test_eucs_rule(held, passes):
    assert (certificate_failures(gate(max_age_days=1095), SCHEMES, held) == []) == passes


@pytest.mark.parametrize("legacy, passes", [("High", True), ("Moderate", True), ("Low", False), ("LI-SaaS", False),
                                            ("Class D", True), ("B", False)])
def test_fedramp_legacy_levels_map_to_classes(legacy, passes):
    fedramp = CertificationGate(as_of=dt.date(2026, 12, 1), rules=[{"scheme": "fedramp", "minimum": "C"}])
    held = (Certificate("fedramp", SCHEMES.schemes["fedramp"].levels[SCHEMES.schemes["fedramp"].rank(legacy)],
                        dt.date(2026, 1, 1)),)
    assert (certificate_failures(fedramp, SCHEMES, held) == []) == passes


def test_the_failure_says_what_was_needed_and_what_was_held():
    (failure,) = certificate_failures(gate(max_age_days=365), SCHEMES, (certificate("basic", dt.date(2024, 1, 2)),))
    assert failure == ("needs a certificate under EU Cybersecurity Certification Scheme for Cloud Services (EUCS) at "
                       "substantial or above issued within 365 days of 2026-12-01, with at most 0 open high-risk "
                       "findings (held: eucs basic issued 2024-01-02)")


def test_the_sample_certified_tender(csf):
    tender, _ = load_tender(SAMPLES / "tender-certified.yaml")
    bids = read_bids([str(SAMPLES / "bids"), str(SAMPLES / "certificates.csv")], csf)
    evaluation = evaluate(csf, resolve_settings(csf, tender, schemes=SCHEMES), bids)
    status = {bid.bid_id: evaluation.status[row] for row, bid in enumerate(bids.bids)}
    assert status == {"B-001": "ranked", "B-002": "excluded", "B-003": "excluded", "B-004": "excluded",
                      "B-005": "excluded", "B-006": "ranked", "B-007": "ranked", "B-008": "invalid"}
    kinds = {bid.bid_id: [r.kind for r in evaluation.exclusion_reasons[row]] for row, bid in enumerate(bids.bids)}
    assert kinds["B-004"] == ["certification"] and kinds["B-002"] == ["minimum_level", "certification"]


def test_certificate_rows_are_validated_and_located(csf):
    text = ("bid_id,vendor,criterion_id,answer\nB-1,V,SOV-1.1,1\n", "bid_id,scheme,level,issued\n"
            "B-1,eucs,premium,2026-01-01\nB-1,iso,x,2026-01-01\nB-1,eucs,basic,yesterday\nB-9,eucs,basic,2026-01-01\n")
    from evaluator.ingest.files import attach_certificates
    bids = read_bid_bytes(text[0].encode(), "bids.csv", csf)
    certificates = read_bid_bytes(text[1].encode(), "certificates.csv", csf)
    found = [(e.location, e.message) for e in certificates.bids[0].errors]
    expected = [("row 2", "'premium' is not a level of eucs"), ("row 3", "certification scheme 'iso' is unknown"),
                ("row 4", "issued must be a date such as 2026-03-31"),
                ("file", "a certificate names bid B-9, which no bid file contains")]
    assert len(found) == len(expected)
    assert all(place == where and message.startswith(start)
               for (place, message), (where, start) in zip(found, expected, strict=True))
    merged = attach_certificates(bids, [], len(csf.criteria))
    assert not merged.bids[0].invalid


def test_an_unknown_scheme_in_a_tender_is_refused(csf):
    with pytest.raises(ConfigurationError, match="certification scheme iso27001 is unknown"):
        resolve_settings(csf, Tender(certifications={"as_of": "2026-12-01", "rules": [
            {"scheme": "iso27001", "minimum": "x"}]}), schemes=SCHEMES)
    with pytest.raises(ConfigurationError, match="'platinum' is not a level of eucs"):
        resolve_settings(csf, Tender(certifications={"as_of": "2026-12-01", "rules": [
            {"scheme": "eucs", "minimum": "platinum"}]}), schemes=SCHEMES)
    with pytest.raises(ConfigurationError, match="no certification schemes were given"):  # the core reads no file
        resolve_settings(csf, Tender(certifications={"as_of": "2026-12-01", "rules": [
            {"scheme": "eucs", "minimum": "basic"}]}))


def test_without_a_gate_certificates_change_nothing(csf):
    assert run(csf, [top_ranks(csf)]).exclusion_reasons == ((),)
    assert load_framework(CSF_PATH)[0].id == "eu-csf-2026"


def test_the_schemes_file_is_a_recorded_input_of_a_gated_evaluation(tmp_path, monkeypatch):
    """Like the framework, the certification schemes decide the gate: the evaluation records their SHA-256,
    and a reproduction reads the stored copy."""
    import hashlib

    from evaluator.application import Desk, Store, User
    from evaluator.loading import SCHEMES_FILE
    from evaluator.model.certification import SCHEMES_NAME
    from evaluator.pipeline import Request

    from conftest import ROOT
    monkeypatch.chdir(ROOT)
    desk = Desk(Store(f"sqlite:///{tmp_path / 'store.db'}"), User.local())
    request = Request(framework="frameworks/eu-csf-2026.yaml", tender="samples/tender-certified.yaml",
                      inputs=("samples/bids", "samples/certificates.csv"), formats=("json",),
                      evaluated_at="2026-11-26T09:00:00Z")
    outcome, evaluation_id = desk.evaluate(request)
    assert outcome.inputs[SCHEMES_NAME] == hashlib.sha256(SCHEMES_FILE.read_bytes()).hexdigest()
    assert desk.files_of(evaluation_id)["input"][SCHEMES_NAME] == outcome.inputs[SCHEMES_NAME]
    assert all(recorded == again for _, recorded, again in desk.reproduce(evaluation_id))
    plain, _ = desk.evaluate(Request(framework="frameworks/eu-csf-2026.yaml", tender="samples/tender.yaml",
                                     inputs=("samples/bids",), formats=("json",), evaluated_at="2026-11-26T09:00:00Z"))
    assert SCHEMES_NAME not in plain.inputs  # no gate and no certificates: the schemes decided nothing
