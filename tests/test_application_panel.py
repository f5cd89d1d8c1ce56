"""The evaluation panel inside tender cases, enforced by the application layer: conflict-of-interest
declarations (once, covering the tender's listed conflicts, before any bid is seen), conflicts enforced, blind
assessment, consensus from the chair only, the CLI's `case declare` and `case assess`, and an evaluation that
reads the stored assessments."""

import csv
import io
import json
import zipfile

import pytest
import yaml
from test_application_cases import cli

from evaluator.application import Desk, PermissionDenied, Store, User
from evaluator.errors import ConfigurationError

from conftest import CSF_PATH, SAMPLES

BIDS = SAMPLES / "bids"
PANEL = {"chair": "carla", "members": ["ana", "ben"], "conflicts": {"ben": ["B-002"]}}
pytestmark = pytest.mark.usefixtures("private_store")


def clock():
    return "2026-11-26T09:00:00Z"


def desk(name: str, *roles: str) -> Desk:
    return Desk(Store(), User(name, frozenset(roles)), clock)


def panel_tender(panel=PANEL) -> bytes:
    data = yaml.safe_load((SAMPLES / "tender.yaml").read_text(encoding="utf-8"))
    return yaml.safe_dump({**data, "panel": panel}, sort_keys=False).encode()


def new_case(officer: Desk, opened=True) -> str:
    case_id = officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()), ("tender.yaml", panel_tender()))
    officer.add_case_bids(case_id, [(name, (BIDS / name).read_bytes()) for name in ("b-001.xlsx", "b-002.xlsx")])
    if opened:
        officer.open_case(case_id)
    return case_id


def panel() -> tuple[Desk, Desk, Desk, Desk]:
    return desk("olga", "officer"), desk("ana", "evaluator"), desk("ben", "evaluator"), desk("carla", "evaluator")


def differing(member: Desk, case_id: str, bid_id: str, justification="The audit report shows otherwise") -> dict:
    """A row for the bid's first answered criterion with another answer than the claim."""
    claim = next(c for c in member.bid_claims(case_id, bid_id) if c["claimed"] is not None)
    return {"criterion_id": claim["criterion_id"], "answer": claim["claimed"] % 4 + 1, "justification": justification}


def accepting(member: Desk, case_id: str, bid_id: str, skip: str = "") -> list[dict]:
    return [{"criterion_id": c["criterion_id"], "answer": None} for c in member.bid_claims(case_id, bid_id)
            if c["criterion_id"] != skip]


def split_panel(case_id: str, ana: Desk, ben: Desk, carla: Desk) -> dict:
    """Everyone declares (ben his listed conflict); ana changes a criterion of B-001, ben accepts it: the
    row ana submitted."""
    for person in (ana, ben, carla):
        person.declare_conflicts(case_id, ["B-002"] if person is ben else [])
    row = differing(ana, case_id, "B-001")
    ana.submit_assessment(case_id, "B-001", [row])
    ben.submit_assessment(case_id, "B-001", [{"criterion_id": row["criterion_id"], "answer": None}])
    return row


def history(officer: Desk, case_id: str, what: str) -> list[dict]:
    return [entry for entry in officer.case(case_id)["history"] if entry["what"] == what]


def test_declarations_are_stored_audited_made_once_and_cover_the_tenders_conflicts():
    olga, ana, ben, carla = panel()
    case_id = new_case(olga, opened=False)
    with pytest.raises(ConfigurationError, match="once it is opened"):
        ana.declare_conflicts(case_id, [])
    olga.open_case(case_id)
    with pytest.raises(PermissionDenied, match="has not declared"):
        ana.bid_claims(case_id, "B-001")
    with pytest.raises(ConfigurationError, match="lists ben's conflict of interest with B-002"):
        ben.declare_conflicts(case_id, [])
    with pytest.raises(ConfigurationError, match="B-404 is not a bid of the case"):
        ben.declare_conflicts(case_id, ["B-002", "B-404"])
    assert ben.declare_conflicts(case_id, ["B-002"]) == ["B-002"]
    with pytest.raises(ConfigurationError, match="declared their conflicts already"):
        ben.declare_conflicts(case_id, ["B-002"])
    assert ana.declare_conflicts(case_id, []) == []
    with pytest.raises(PermissionDenied, match="not on the panel"):
        desk("dave", "evaluator").declare_conflicts(case_id, [])
    with pytest.raises(PermissionDenied, match="needs the role evaluator"):
        olga.declare_conflicts(case_id, [])
    shown = olga.case(case_id)["panel"]
    assert (shown["chair"], shown["members"], shown["conflicts"]) == ("carla", ["ana", "ben"], {"ben": ["B-002"]})
    assert shown["declarations"] == [{"person": "ana", "conflicts": [], "at": clock()},
                                     {"person": "ben", "conflicts": ["B-002"], "at": clock()}]
    assert [(e["who"], e["detail"]["conflicts"]) for e in history(olga, case_id, "conflicts declared")] == \
        [("ben", ["B-002"]), ("ana", [])]
    assert len(history(olga, case_id, "case refused")) >= 5
    assert [bid["bid_id"] for bid in ana.panel_bids(case_id)] == ["B-001", "B-002"]
    assert carla.declare_conflicts(case_id, []) == []


def test_conflicts_are_enforced_for_claims_submissions_and_files():
    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    ben.declare_conflicts(case_id, ["B-002"])
    ana.declare_conflicts(case_id, ["B-001"])  # a conflict the tender did not list
    assert [bid["bid_id"] for bid in ben.panel_bids(case_id)] == ["B-001"]
    assert [bid["bid_id"] for bid in ana.panel_bids(case_id)] == ["B-002"]
    for member, bid_id in ((ben, "B-002"), (ana, "B-001")):
        with pytest.raises(PermissionDenied, match=f"conflict of interest with bid {bid_id}"):
            member.bid_claims(case_id, bid_id)
        with pytest.raises(PermissionDenied, match=f"conflict of interest with bid {bid_id}"):
            member.submit_assessment(case_id, bid_id, [{"criterion_id": "SOV-1.1", "answer": None}])
    claims = ana.bid_claims(case_id, "B-002")
    assert len(claims) == 48 and {"criterion_id", "claimed", "evidence", "evidence_quality"} <= set(claims[0])
    with pytest.raises(ConfigurationError, match="not one of the case's valid bids"):
        ana.bid_claims(case_id, "B-999")


def test_the_panel_assesses_blind_and_a_submission_is_final():
    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    for person in (ana, ben, carla):
        person.declare_conflicts(case_id, ["B-002"] if person is ben else [])
    row = differing(ana, case_id, "B-001", "Keys are held by the provider")
    with pytest.raises(ConfigurationError, match="needs a justification"):
        ana.submit_assessment(case_id, "B-001", [{**row, "justification": ""}])
    assert ana.submit_assessment(case_id, "B-001", [row, *accepting(ana, case_id, "B-001", row["criterion_id"])]) == 48
    with pytest.raises(PermissionDenied, match="only after submitting their own"):
        ben.panel_assessments(case_id, "B-001")
    assert len(carla.panel_assessments(case_id, "B-001")) == 48  # the chair sees everything, any time
    assert ben.submit_assessment(case_id, "B-001", accepting(ben, case_id, "B-001")) == 48
    seen = ben.panel_assessments(case_id, "B-001")
    assert {entry["assessor"] for entry in seen} == {"ana", "ben"} and len(seen) == 96
    assert any(entry["justification"] == "Keys are held by the provider" for entry in seen)
    with pytest.raises(ConfigurationError, match="a submission is final"):
        ana.submit_assessment(case_id, "B-001", [row])
    with pytest.raises(PermissionDenied, match="chairs the panel of case .* but is not a member"):
        carla.submit_assessment(case_id, "B-001", [row])
    entries = history(olga, case_id, "assessment submitted")
    assert [(e["detail"]["assessor"], e["detail"]["accepted"], e["detail"]["assessed"]) for e in entries] == \
        [("ana", 47, 1), ("ben", 48, 0)]
    assert "Keys are held" not in json.dumps(entries)  # counts, not contents
    progress = olga.case(case_id)["panel"]["progress"]
    assert [(p["assessor"], p["bid_id"], p["stage"], p["criteria"]) for p in progress] == \
        [("ana", "B-001", "individual", 48), ("ben", "B-001", "individual", 48)]
    assert [(b["bid_id"], b["submitted"]) for b in ana.panel_bids(case_id)] == [("B-001", True), ("B-002", False)]


def test_only_the_chair_records_consensus_and_reads_the_agreement():
    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    row = split_panel(case_id, ana, ben, carla)
    with pytest.raises(PermissionDenied, match="only the chair"):
        ana.record_consensus(case_id, "B-001", [row])
    with pytest.raises(PermissionDenied, match="only the chair"):
        ana.panel_agreement(case_id)
    agreement = carla.panel_agreement(case_id)
    first = agreement["bids"][0]
    assert first["bid_id"] == "B-001" and first["open_disagreements"] == 1
    assert first["disagreements"][0]["criterion_id"] == row["criterion_id"]
    assert carla.record_consensus(case_id, "B-001", [row]) == 1
    assert carla.panel_agreement(case_id)["bids"][0]["disagreements"][0]["settled"] is True
    with pytest.raises(ConfigurationError, match="was recorded at"):
        carla.record_consensus(case_id, "B-001", [row])
    assert [e["detail"]["stage"] for e in history(olga, case_id, "assessment submitted")] == \
        ["individual", "individual", "consensus"]


def test_the_panel_is_fixed_once_the_case_is_opened():
    olga = desk("olga", "officer")
    case_id = new_case(olga, opened=False)
    olga.set_case_tender(case_id, ("tender-2.yaml", panel_tender({**PANEL, "members": ["ana", "ben", "dora"]})))
    olga.open_case(case_id)
    with pytest.raises(ConfigurationError, match="panel is fixed once the case is opened"):
        olga.set_case_tender(case_id, ("tender-3.yaml", panel_tender()), reason="fewer members")


def assessments_file(path, rows: list[list[str]]):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([["bid_id", "criterion_id", "assessed_answer", "justification", "assessor", "stage"], *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when EVALUATOR_TEST_POSTGRES_URL is set
def test_case_declare_and_case_assess_through_the_cli(capsys, tmp_path):
    admin = Desk(Store(), User.local())
    for name in ("ana", "ben", "carla"):
        admin.set_user(name, ["evaluator"])
    case_id = new_case(admin)
    status, _, err = cli(capsys, "assess", case_id, assessments_file(tmp_path / "a.csv", [
        ["B-001", "SOV-1.1", "", "", "ana", "individual"]]), "--as", "ana")
    assert status == 2 and err.startswith("error: a.csv, row 2: ana has not declared") and err.count("\n") == 1
    status, out, _ = cli(capsys, "declare", case_id, "--as", "ana")
    assert status == 0 and "ana declared no conflict of interest" in out
    status, out, _ = cli(capsys, "declare", case_id, "--conflict", "B-002", "--as", "ben")
    assert status == 0 and "B-002" in out
    status, _, err = cli(capsys, "declare", case_id, "--as", "ben")
    assert status == 2 and "declared their conflicts already" in err
    status, _, err = cli(capsys, "assess", case_id, assessments_file(tmp_path / "b.csv", [
        ["B-002", "SOV-1.1", "", "", "ben", "individual"]]), "--as", "ben")
    assert status == 2 and "b.csv, row 2" in err and "conflict of interest with bid B-002" in err
    status, _, err = cli(capsys, "assess", case_id, assessments_file(tmp_path / "c.csv", [
        ["B-001", "SOV-1.1", "", "", "ana", "individual"], ["B-001", "SOV-9.9", "", "", "ana", "individual"]]),
        "--as", "ana")
    assert (status, err) == (2, "error: c.csv, row 3: criterion 'SOV-9.9' does not exist in eu-csf-2026\n")
    status, _, err = cli(capsys, "assess", case_id, assessments_file(tmp_path / "d.csv", [
        ["B-001", "SOV-1.1", "", "", "ben", "individual"]]), "--as", "ana")
    assert status == 2 and "imports their own assessments only" in err
    status, out, _ = cli(capsys, "assess", case_id, assessments_file(tmp_path / "e.csv", [
        ["B-001", "SOV-1.1", "", "", "ana", "individual"], ["B-001", "SOV-1.2", "1", "Not shown", "ana",
                                                            "individual"]]), "--as", "ana")
    assert status == 0 and "stored 2 assessment rows from 1 file." in out
    status, _, err = cli(capsys, "assess", case_id, tmp_path / "e.csv", "--as", "ana")
    assert status == 2 and "a submission is final" in err
    case = json.loads(cli(capsys, "show", case_id, "--format", "json")[1])
    assert [p["criteria"] for p in case["panel"]["progress"]] == [2]
    entry = [e for e in case["history"] if e["what"] == "assessment submitted"][0]["detail"]
    assert (entry["source"], entry["criteria"]) == ("e.csv", 2)
    status, _, _ = cli(capsys, "export", case_id, "--out", tmp_path / "dossier.zip")
    with zipfile.ZipFile(tmp_path / "dossier.zip") as archive:
        names = archive.namelist()
        declarations = json.loads(archive.read(f"{case_id}/declarations.json"))
        rows = archive.read(f"{case_id}/assessments/panel.csv").decode().splitlines()
    assert f"{case_id}/assessments/panel.csv" in names
    assert [d["person"] for d in declarations] == ["ana", "ben"]
    assert rows[0] == "bid_id,criterion_id,assessed_answer,justification,assessor,stage,evidence_quality"
    assert rows[1:] == ["B-001,SOV-1.1,,,ana,individual,", "B-001,SOV-1.2,1,Not shown,ana,individual,"]


def test_a_disagreement_leaves_a_bid_pending_until_the_chairs_consensus_ranks_it():
    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    row = split_panel(case_id, ana, ben, carla)
    outcome, first = olga.evaluate_case(case_id, ("json",))
    status = {bid["bid_id"]: bid["status"] for bid in outcome.document["bids"]}
    assert status["B-001"] == "pending" and status["B-002"] != "pending"
    assert "assessments/panel.csv" in olga.files_of(first)["input"]
    with pytest.raises(ConfigurationError, match="B-001 is pending") as refusal:
        desk("otto", "officer").approve_award(case_id)
    assert "the panel's chair records a consensus (Evaluation panel workspace, or case assess with a consensus " \
           "row), then the case is evaluated again" in str(refusal.value)
    assert "record_consensus" not in json.dumps(olga.case(case_id)["history"])
    carla.record_consensus(case_id, "B-001", [{"criterion_id": row["criterion_id"], "answer": None}])
    assert olga.case(case_id)["state"] == "opened"  # the assessments changed: evaluate again
    outcome, second = olga.evaluate_case(case_id, ("json",))
    assert second != first
    assert {bid["bid_id"]: bid["status"] for bid in outcome.document["bids"]}["B-001"] == "ranked"
    assert all(recorded == again for _, recorded, again in desk("aud", "auditor").reproduce(second))


def refusals(officer: Desk, case_id: str, action: str) -> list[dict]:
    return [e for e in history(officer, case_id, "case refused") if e["detail"]["action"] == action]


def test_a_consensus_is_recorded_only_where_members_disagree():
    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    for person in (ana, ben, carla):
        person.declare_conflicts(case_id, ["B-002"] if person is ben else [])
    answered = [c for c in ana.bid_claims(case_id, "B-001") if isinstance(c["claimed"], int)]
    same, split, explicit = (c["criterion_id"] for c in answered[:3])
    other = {c["criterion_id"]: c["claimed"] % 4 + 1 for c in answered[:3]}
    with pytest.raises(ConfigurationError, match=f"B-001 {same}: no members disagree, so there is no consensus"):
        carla.record_consensus(case_id, "B-001", [{"criterion_id": same, "answer": None}])  # nobody assessed yet
    ana.submit_assessment(case_id, "B-001", [
        {"criterion_id": same, "answer": other[same], "justification": "Annex 2"},
        {"criterion_id": split, "answer": None},
        {"criterion_id": explicit, "answer": answered[2]["claimed"]}])  # the claimed answer, written out
    with pytest.raises(ConfigurationError, match="no members disagree"):  # one member alone
        carla.record_consensus(case_id, "B-001", [{"criterion_id": same, "answer": 1, "justification": "chair"}])
    ben.submit_assessment(case_id, "B-001", [
        {"criterion_id": same, "answer": other[same], "justification": "Annex 2 too"},
        {"criterion_id": split, "answer": other[split], "justification": "Annex 3"},
        {"criterion_id": explicit, "answer": None}])  # an accept is the claimed answer: no disagreement
    for criterion_id in (same, explicit):
        with pytest.raises(ConfigurationError, match=f"B-001 {criterion_id}: no members disagree"):
            carla.record_consensus(case_id, "B-001", [{"criterion_id": criterion_id, "answer": None}])
    with pytest.raises(ConfigurationError, match=f"B-001 {same}: no members disagree"):  # nothing of a batch stored
        carla.record_consensus(case_id, "B-001", [{"criterion_id": split, "answer": None},
                                                  {"criterion_id": same, "answer": None}])
    assert carla.record_consensus(case_id, "B-001", [{"criterion_id": split, "answer": None}]) == 1
    assert len(refusals(olga, case_id, "store assessments")) == 5
    assert [e["detail"]["stage"] for e in history(olga, case_id, "assessment submitted")] == \
        ["individual", "individual", "consensus"]


def test_an_imported_consensus_is_judged_with_the_members_rows_of_the_same_batch(tmp_path):
    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    for person in (ana, ben, carla):
        person.declare_conflicts(case_id, ["B-002"] if person is ben else [])
    claims = [c for c in ana.bid_claims(case_id, "B-001") if isinstance(c["claimed"], int)]
    first, second = claims[0]["criterion_id"], claims[1]["criterion_id"]
    lower = str(claims[0]["claimed"] % 4 + 1)
    local = Desk(Store(), User.local(), clock)  # single-user mode imports anyone's rows
    undisputed = assessments_file(tmp_path / "undisputed.csv", [
        ["B-001", first, lower, "Annex 2", "ana", "individual"],
        ["B-001", first, lower, "Annex 2", "ben", "individual"],
        ["B-001", first, lower, "Agreed", "carla", "consensus"]])
    with pytest.raises(ConfigurationError, match=f"undisputed.csv, row 4: B-001 {first}: no members disagree"):
        local.import_assessments(case_id, [(undisputed.name, undisputed.read_bytes())])
    assert olga.case(case_id)["panel"]["progress"] == []  # nothing of the file stored
    assert len(refusals(olga, case_id, "store assessments")) == 1
    ana.submit_assessment(case_id, "B-001", [{"criterion_id": first, "answer": int(lower), "justification": "Annex 2"},
                                             {"criterion_id": second, "answer": None}])
    members = assessments_file(tmp_path / "members.csv", [  # ben differs from ana's stored rows on both
        ["B-001", first, "", "", "ben", "individual"],
        ["B-001", second, str(claims[1]["claimed"] % 4 + 1), "Annex 3", "ben", "individual"]])
    chair = assessments_file(tmp_path / "chair.csv", [["B-001", first, lower, "Panel meeting", "carla", "consensus"],
                                                      ["B-001", second, "", "", "carla", "consensus"]])
    files = [(path.name, path.read_bytes()) for path in (members, chair)]
    with pytest.raises(PermissionDenied, match="imports their own assessments only"):
        carla.import_assessments(case_id, files)
    with pytest.raises(ConfigurationError, match=f"chair.csv, row 2: B-001 {first}: no members disagree"):
        local.import_assessments(case_id, files[1:])  # without ben's rows, ana alone assessed them
    assert local.import_assessments(case_id, files) == 4
    assert [(e["detail"]["assessor"], e["detail"]["stage"]) for e in history(olga, case_id, "assessment submitted")] \
        == [("ana", "individual"), ("ben", "individual"), ("carla", "consensus")]


def test_refusals_before_declaring_or_off_the_panel_leave_a_trace_in_the_case_history(capsys, tmp_path):
    admin = Desk(Store(), User.local())
    for name, roles in (("ana", ["evaluator"]), ("dave", ["evaluator"]), ("mallory", ["analyst"])):
        admin.set_user(name, roles)
    case_id = new_case(admin)
    olga = desk("olga", "officer")
    status, _, err = cli(capsys, "assess", case_id, assessments_file(tmp_path / "a.csv", [
        ["B-001", "SOV-1.1", "", "", "ana", "individual"]]), "--as", "ana")
    assert status == 2 and "ana has not declared" in err
    for user, says in (("mallory", "needs the role evaluator"), ("dave", "not on the panel")):
        status, _, err = cli(capsys, "declare", case_id, "--as", user)
        assert status == 2 and says in err
    traced = [(e["who"], e["detail"]["action"], e["detail"]["reason"]) for e in history(olga, case_id, "case refused")]
    assert [(who, action) for who, action, _ in traced] == \
        [("ana", "store assessments"), ("mallory", "declare conflicts"), ("dave", "declare conflicts")]
    assert "ana has not declared" in traced[0][2] and "needs the role evaluator" in traced[1][2]
    with pytest.raises(PermissionDenied, match="needs the role evaluator"):
        olga.panel_bids(case_id)
    assert refusals(olga, case_id, "list the bids to assess")[0]["who"] == "olga"


def test_an_assessments_file_over_the_limit_is_refused_before_it_is_read(monkeypatch, capsys, tmp_path):
    import evaluator.application
    from evaluator.ingest.assessments import ASSESSMENTS_LIMIT

    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    ana.declare_conflicts(case_id, [])

    def unread(*_):
        raise AssertionError("the file was read")

    with monkeypatch.context() as patched:
        patched.setattr(evaluator.application, "read_assessments", unread)
        patched.setattr(evaluator.application.Desk, "_panel_case", unread)
        with pytest.raises(ConfigurationError, match="big.csv: the assessments file is larger than 20 MiB"):
            ana.import_assessments(case_id, [("big.csv", b"x" * (ASSESSMENTS_LIMIT + 1))])
    assert "larger than 20 MiB" in refusals(olga, case_id, "import assessments")[0]["reason"]
    big = tmp_path / "big.csv"
    with big.open("wb") as file:
        file.truncate(4 * ASSESSMENTS_LIMIT)  # sparse: the CLI reads no more than the limit and a byte
    status, _, err = cli(capsys, "assess", case_id, big)
    assert (status, err) == (2, "error: big.csv: the assessments file is larger than 20 MiB\n")


def test_case_show_says_what_is_left_to_do_on_the_panel(capsys, tmp_path):
    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    assert olga.case(case_id)["panel"]["to_do"] == {
        "undeclared": ["ana", "ben", "carla"], "not_submitted": {"B-001": ["ana", "ben"], "B-002": ["ana"]},
        "open_disagreements": []}
    row = split_panel(case_id, ana, ben, carla)
    to_do = olga.case(case_id)["panel"]["to_do"]
    assert to_do == {"undeclared": [], "not_submitted": {"B-002": ["ana"]}, "open_disagreements": [
        {"bid_id": "B-001", "criterion_id": row["criterion_id"], "assessors": ["ana", "ben"]}]}
    assert "justification" not in json.dumps(to_do) and row["justification"] not in json.dumps(to_do)
    status, out, _ = cli(capsys, "show", case_id)
    assert status == 0 and "  panel: chair carla, members ana, ben" in out
    assert "    declared: ana (no conflict), ben (B-002), carla (no conflict)" in out
    assert "      B-002: not submitted by ana" in out
    assert f"      B-001 {row['criterion_id']}: open disagreement (ana, ben), the chair records a consensus" in out
    assert "ana assessed 1 criterion of B-001 (individual)" in out
    carla.record_consensus(case_id, "B-001", [{"criterion_id": row["criterion_id"], "answer": None}])
    ana.submit_assessment(case_id, "B-002", accepting(ana, case_id, "B-002"))
    assert olga.case(case_id)["panel"]["to_do"] == {"undeclared": [], "not_submitted": {}, "open_disagreements": []}
    assert "to do: nothing" in cli(capsys, "show", case_id)[1]
    assert json.loads(cli(capsys, "show", case_id, "--format", "json")[1])["panel"]["to_do"]["not_submitted"] == {}


def test_the_dossier_holds_every_input_of_every_evaluation_and_every_imported_file(tmp_path):
    import hashlib

    from test_application_cases import _written, sha256sum_check, unzipped

    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    for person in (ana, ben, carla):
        person.declare_conflicts(case_id, ["B-002"] if person is ben else [])
    row = differing(ana, case_id, "B-001")
    imported = assessments_file(tmp_path / "ana's reading.csv", [
        ["B-001", row["criterion_id"], str(row["answer"]), row["justification"], "ana", "individual"]]).read_bytes()
    ana.import_assessments(case_id, [("ana's reading.csv", imported)])
    ben.submit_assessment(case_id, "B-001", [{"criterion_id": row["criterion_id"], "answer": None}])
    _, first = olga.evaluate_case(case_id, ("json",))
    carla.record_consensus(case_id, "B-001", [{"criterion_id": row["criterion_id"], "answer": None}])
    _, second = olga.evaluate_case(case_id, ("json",))
    auditor = desk("aud", "auditor")
    dossier = auditor.export_case(case_id)
    folder = unzipped(_written(tmp_path / "dossier.zip", dossier), tmp_path / "check") / case_id
    inputs = {path.name: path.read_bytes() for path in (folder / "inputs").iterdir()}
    panel_files = set()
    for evaluation_id in (first, second):
        for name, sha in auditor.files_of(evaluation_id)["input"].items():
            member = f"{sha}-{name.rsplit('/', 1)[-1]}"
            assert hashlib.sha256(inputs[member]).hexdigest() == sha, name
            if name == "assessments/panel.csv":
                panel_files.add(member)
    assert len(panel_files) == 2  # each evaluation's own panel.csv, which changed between them
    sha = hashlib.sha256(imported).hexdigest()
    assert inputs[f"{sha}-ana_s_reading.csv"] == imported
    assert [e["detail"]["sha256"] for e in history(olga, case_id, "assessment submitted")
            if e["detail"]["source"] != "desk"] == [sha]
    manifest = (folder / "MANIFEST.sha256").read_text()
    assert all(f"  inputs/{name}\n" in manifest for name in inputs)
    assert sha256sum_check(folder).returncode == 0
    again = auditor.export_case(case_id)  # the same members but the history (one more export in it)
    with zipfile.ZipFile(io.BytesIO(dossier)) as one, zipfile.ZipFile(io.BytesIO(again)) as two:
        kept = [name for name in one.namelist() if "/inputs/" in name or "/evaluations/" in name]
        assert kept and [(n, one.read(n)) for n in kept] == [(n, two.read(n)) for n in kept]
        assert [info.date_time for info in one.infolist()] == [info.date_time for info in two.infolist()]


def test_the_award_is_approved_only_once_every_member_has_assessed_every_bid_they_are_free_of():
    """The award rests on the panel's assessed answers: a bid a member free of it has not assessed blocks
    the approval (ben is conflicted with B-002, so only ana's assessment of it is awaited)."""
    olga, ana, ben, carla = panel()
    case_id = new_case(olga)
    row = split_panel(case_id, ana, ben, carla)
    carla.record_consensus(case_id, "B-001", [{"criterion_id": row["criterion_id"], "answer": None,
                                               "justification": ""}])
    olga.evaluate_case(case_id, ("json",))
    with pytest.raises(ConfigurationError, match="the panel has not finished: B-002 not assessed by ana"):
        desk("otto", "officer").approve_award(case_id)
    assert "the panel has not finished" in refusals(olga, case_id, "approve the award")[-1]["detail"]["reason"]
    ana.submit_assessment(case_id, "B-002", accepting(ana, case_id, "B-002"))
    olga.evaluate_case(case_id, ("json",))
    assert desk("otto", "officer").approve_award(case_id)
