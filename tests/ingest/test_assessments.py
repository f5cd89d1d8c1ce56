"""The panel's assessments CSV: read like the bid CSVs; any error in it stops the evaluation, located."""

import codecs

import pytest

from evaluator.errors import ConfigurationError
from evaluator.ingest.assessments import ASSESSMENTS_LIMIT, read_assessments, refuse_idle_consensus, refuse_repeats
from evaluator.ingest.files import read_bids
from evaluator.loading import load_framework
from evaluator.model.assessment import Assessment, Choice
from evaluator.model.tender import Panel

from conftest import CSF_PATH, SAMPLES, bid_set
from factories import csv_text

PANEL = Panel(chair="cleo", members=("ana", "ben"), conflicts={"ben": ("B-002",)})
LABEL_2 = "Incomplete logs (date, user, type or means of access missing)"  # SOV-3.2's answer 2
HEADER = ["bid_id", "criterion_id", "assessed_answer", "justification", "assessor", "stage"]


@pytest.fixture(scope="module")
def sample_bids(csf):
    """The sample bids: B-001 claims SOV-3.2 = 5 with contractual evidence; B-008 is invalid."""
    return read_bids([str(SAMPLES / "bids")], csf)


def read(rows, framework, bids, panel=PANEL, separator=",", header=HEADER, prefix=b""):
    content = prefix + csv_text([header, *rows], separator).encode()
    return read_assessments("panel.csv", content, framework, panel, bids)


def test_rows_are_read_with_a_bom_and_semicolons(csf, sample_bids):
    assessments = read([
        ["B-001", "SOV-3.2", f"2 - {LABEL_2}", "keys held in the US", "ana", "individual", "self-attested"],
        ["B-001", "SOV-3.2", "", "", "ben", "Individual", ""],
        ["B-001", "SOV-3.2", "5", "", "cleo", "consensus", "third_party_certified"],
    ], csf, sample_bids, separator=";", header=[*HEADER, "evidence_quality"], prefix=codecs.BOM_UTF8)
    assert assessments == (
        Assessment("B-001", "SOV-3.2", "ana", "individual", Choice(2), "keys held in the US", 1, "panel.csv, row 2"),
        Assessment("B-001", "SOV-3.2", "ben", "individual", None, "", 0, "panel.csv, row 3"),
        Assessment("B-001", "SOV-3.2", "cleo", "consensus", Choice(5), "", 3, "panel.csv, row 4"),
    )


def test_the_claimed_answer_needs_no_justification(csf, sample_bids):
    (assessment,) = read([["B-001", "SOV-3.2", "5", "", "ana", "individual"]], csf, sample_bids)
    assert assessment.assessed == Choice(5) and assessment.evidence_quality == 0


def test_a_header_alone_is_refused(csf, sample_bids):
    with pytest.raises(ConfigurationError) as error:
        read([], csf, sample_bids)
    assert str(error.value) == "panel.csv, row 2: no assessment rows: the file has a header only"


@pytest.mark.parametrize(("rows", "row"), [
    ([["B-001", "SOV-3.2", "5", "", "ana", "individual"], ["B-001", "SOV-3.2", "", "", "ben", "individual"]], 4),
    ([["B-001", "SOV-3.2", "2", "x", "ana", "individual"], ["B-001", "SOV-3.2", "2", "y", "ben", "individual"]], 4),
    ([["B-001", "SOV-3.2", "2", "x", "ana", "individual"]], 3),
    ([], 2),
])
def test_a_consensus_where_no_members_disagree_is_refused(csf, sample_bids, rows, row):
    """B-001 claims SOV-3.2 = 5, so accepting the claim and answering 5 agree."""
    assessments = read([*rows, ["B-001", "SOV-3.2", "2", "z", "cleo", "consensus"]], csf, sample_bids)
    with pytest.raises(ConfigurationError) as error:
        refuse_idle_consensus(assessments, csf, sample_bids)
    assert str(error.value) == (f"panel.csv, row {row}: B-001 SOV-3.2: no members disagree, so there is no "
                                f"consensus to record")


@pytest.mark.parametrize("ben", ["", "4"])
def test_a_consensus_settling_a_disagreement_is_accepted(csf, sample_bids, ben):
    assessments = read([["B-001", "SOV-3.2", "2", "x", "ana", "individual"],
                        ["B-001", "SOV-3.2", ben, "y", "ben", "individual"],
                        ["B-001", "SOV-3.2", "2", "z", "cleo", "consensus"],
                        ["B-001", "SOV-3.1", "", "", "ana", "individual"]], csf, sample_bids)
    refuse_idle_consensus(assessments, csf, sample_bids)


def test_members_agreeing_in_another_file_leave_the_consensus_idle(csf, sample_bids):
    members = read([["B-001", "SOV-3.2", "2", "x", "ana", "individual"],
                    ["B-001", "SOV-3.2", "2", "y", "ben", "individual"]], csf, sample_bids)
    chair = read_assessments("chair.csv", csv_text([HEADER, ["B-001", "SOV-3.2", "2", "z", "cleo", "consensus"]])
                             .encode(), csf, PANEL, sample_bids)
    with pytest.raises(ConfigurationError, match="^chair.csv, row 2: B-001 SOV-3.2: no members disagree"):
        refuse_idle_consensus(members + chair, csf, sample_bids)


@pytest.mark.parametrize(("content", "row"), [
    ("B-001,SOV-3.2,,,ana,individual\nB-001,SOV-3.1,,ana\n", 3),
    ("B-001,SOV-3.2,,\"two\nlines\",ana,individual\n\nB-001,SOV-3.1,,,ana,individual,x\n", 3),
])
def test_a_malformed_row_is_named(csf, sample_bids, content, row):
    with pytest.raises(ConfigurationError) as error:
        read_assessments("panel.csv", (",".join(HEADER) + "\n" + content).encode(), csf, PANEL, sample_bids)
    assert str(error.value).startswith(f"panel.csv, row {row}: the CSV is malformed: CSV parse error: Expected 6 "
                                       f"columns, got ")


def test_a_file_over_the_limit_is_refused(csf, sample_bids):
    with pytest.raises(ConfigurationError) as error:
        read_assessments("panel.csv", b" " * (ASSESSMENTS_LIMIT + 1), csf, PANEL, sample_bids)
    assert str(error.value) == "panel.csv: the assessments file is larger than 20 MiB"


def test_a_levels_framework_takes_levels(csf_levels):
    bids = bid_set(csf_levels, [{"SOV-3": 5}])
    assessments = read([["B-1", "SOV-3", "SEAL-2", "x", "ana", "individual"],
                        ["B-1", "SOV-3", "2", "x", "ben", "individual"]], csf_levels, bids)
    assert [a.assessed for a in assessments] == [Choice(3), Choice(3)]  # SEAL-2 is SOV-3's answer 3


OK = ["B-001", "SOV-3.2", "", "", "ana", "individual"]


@pytest.mark.parametrize(("row", "message"), [
    (["Z-9", "SOV-3.2", "", "", "ana", "individual"],
     "panel.csv, row 3: bid_id 'Z-9' is not one of the bids evaluated"),
    (["B-008", "SOV-3.2", "", "", "ana", "individual"],
     "panel.csv, row 3: bid B-008 is invalid (it could not be read), so it cannot be assessed"),
    (["B-001", "SOV-9.9", "", "", "ana", "individual"],
     "panel.csv, row 3: criterion 'SOV-9.9' does not exist in eu-csf-2026"),
    (["B-001", "SOV-3.2", "7", "x", "ana", "individual"],
     "panel.csv, row 3: assessed_answer '7' is out of range: SOV-3.2 has answers 1 to 5"),
    (["B-001", "SOV-3.2", "most", "x", "ana", "individual"],
     "panel.csv, row 3: assessed_answer 'most' is not an answer number; write the number of the chosen answer, "
     "or a text that starts with it such as '3 - …'"),
    (["B-001", "SOV-3.2", "unknown", "x", "ana", "individual"],
     "panel.csv, row 3: assessed_answer 'unknown' is not an answer; leave it empty to accept the claim"),
    (["B-001", "SOV-3.2", "2", "", "ana", "individual"],
     "panel.csv, row 3: SOV-3.2: the assessed answer 2 differs from the claimed 5, so it needs a justification"),
    (["B-001", "SOV-3.2", "", "", "dan", "individual"],
     "panel.csv, row 3: assessor 'dan' is not on the panel (chair cleo, members ana, ben)"),
    (["B-002", "SOV-3.2", "", "", "ben", "individual"],
     "panel.csv, row 3: ben declared a conflict of interest with bid B-002, so may not assess it"),
    (["B-001", "SOV-3.2", "", "", "ben", "consensus"],
     "panel.csv, row 3: a consensus row must come from the chair, cleo; this one is from ben"),
    (["B-001", "SOV-3.2", "", "", "cleo", "individual"],
     "panel.csv, row 3: cleo chairs the panel but is not a member: the chair records consensus rows only"),
    (["B-001", "SOV-3.2", "", "", "ana", "final"],
     "panel.csv, row 3: stage 'final' is unknown: write individual or consensus"),
    (OK, "panel.csv, row 3: ana already assessed B-001 SOV-3.2 at the individual stage (panel.csv, row 2)"),
])
def test_each_error_stops_the_evaluation_with_its_row(csf, sample_bids, row, message):
    with pytest.raises(ConfigurationError) as error:
        read([OK, row], csf, sample_bids)
    assert str(error.value) == message


def test_a_repeat_in_another_file_is_refused(csf, sample_bids):
    assessments = read([OK], csf, sample_bids) + read_assessments(
        "late.csv", csv_text([HEADER, OK]).encode(), csf, PANEL, sample_bids)
    with pytest.raises(ConfigurationError) as error:
        refuse_repeats(assessments)
    assert str(error.value) == ("late.csv, row 2: ana already assessed B-001 SOV-3.2 at the individual stage "
                                "(panel.csv, row 2)")


def test_an_unknown_evidence_quality_is_refused(csf, sample_bids):
    with pytest.raises(ConfigurationError) as error:
        read([[*OK, "signed by the CEO"]], csf, sample_bids, header=[*HEADER, "evidence_quality"])
    assert str(error.value) == ("panel.csv, row 2: evidence_quality must be one of self_attested, contractual, "
                                "third_party_certified, independently_audited, or empty; found 'signed by the CEO'")


def test_a_missing_column_is_refused(csf, sample_bids):
    with pytest.raises(ConfigurationError) as error:
        read([OK[:5]], csf, sample_bids, header=HEADER[:5])
    assert str(error.value) == ("panel.csv, row 1: no column stage (an assessments file has the columns bid_id, "
                                "criterion_id, assessed_answer, justification, assessor, stage, and optionally "
                                "evidence_quality)")


def test_assessments_without_a_panel_are_refused(csf, sample_bids):
    with pytest.raises(ConfigurationError) as error:
        read([OK], csf, sample_bids, panel=None)
    assert str(error.value) == ("panel.csv: assessments were given, but the tender declares no panel (panel: chair, "
                                "members, conflicts)")


def test_an_unreadable_file_is_a_configuration_error(csf, sample_bids):
    with pytest.raises(ConfigurationError) as error:
        read_assessments("panel.csv", "bid_id,criterion_id\nB-001,é".encode("latin-1"), csf, PANEL, sample_bids)
    assert str(error.value).startswith("panel.csv: line 2, byte 7: the CSV is not UTF-8")


def test_a_numeric_value_outside_the_valid_range_is_refused():
    national = load_framework(CSF_PATH.parent / "apc-national-2026.yaml")[0]
    bids = bid_set(national, [{}])
    with pytest.raises(ConfigurationError) as error:
        read([["B-1", "APC-N1.1", "140", "x", "ana", "individual"]], national, bids)
    assert str(error.value) == "panel.csv, row 2: assessed_answer '140' is outside the valid range 0 to 100 of APC-N1.1"
    (assessment,) = read([["B-1", "APC-N1.1", "62.5", "audited", "ana", "individual"]], national, bids)
    assert assessment.assessed == Choice(1, 62.5)
