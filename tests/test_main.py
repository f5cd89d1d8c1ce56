"""The command line and its outputs, as docs/contract.md fixes them."""

import hashlib
import json
import subprocess
import sys

import openpyxl
import pytest

from evaluator.__main__ import main

from conftest import CSF_PATH, ROOT, SAMPLES
from factories import csv_text

SAMPLE_ARGS = ["evaluate", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"),
               "--formats", "json,xlsx"]  # the PDFs have their own tests (test_report.py)


def evaluate(tmp_path, *extra, inputs=(str(SAMPLES / "bids"),)):
    out = tmp_path / "out"
    code = main([*SAMPLE_ARGS, "--out", str(out), *extra, *inputs])
    return code, out


@pytest.fixture(scope="module")
def sample_results(tmp_path_factory):
    code, out = evaluate(tmp_path_factory.mktemp("samples"))
    assert code == 0
    return json.loads((out / "results.json").read_text()), out


def by_id(results):
    return {bid["bid_id"]: bid for bid in results["bids"]}


class TestSamples:
    def test_the_samples_show_every_case(self, sample_results):
        results, _ = sample_results
        bids = by_id(results)
        assert [b["bid_id"] for b in results["bids"] if b["rank"] == 1] == ["B-001"]  # a clear winner
        assert bids["B-004"]["rank"] == bids["B-005"]["rank"] == 3 and bids["B-004"]["tie"]["tied_with"] == ["B-005"]
        assert bids["B-002"]["status"] == "excluded"
        assert [r["objective"] for r in bids["B-002"]["exclusion_reasons"]] == ["SOV-3"]
        assert bids["B-007"]["status"] == "ranked" and bids["B-007"]["objectives"]["SOV-1"]["unanswered"] == ["SOV-1.2"]
        assert bids["B-008"]["status"] == "invalid" and bids["B-008"]["errors"][0]["location"] == "Responses!B22"
        assert bids["B-006"]["vendor"].startswith("华为云 Stack") and bids["B-006"]["status"] == "ranked"

    def test_blank_answer_bid_is_excluded_under_strict(self, tmp_path):
        code, out = evaluate(tmp_path, "--unknown", "strict")
        bids = by_id(json.loads((out / "results.json").read_text()))
        assert code == 0 and bids["B-007"]["status"] == "excluded"
        assert bids["B-007"]["exclusion_reasons"][-1]["kind"] == "incomplete"

    def test_results_json_has_the_contract_fields(self, sample_results):
        results, _ = sample_results
        assert results["framework"]["id"] == "eu-csf-2026"
        assert results["framework"]["sha256"] == hashlib.sha256(CSF_PATH.read_bytes()).hexdigest()
        assert set(results["settings"]) >= {"weights", "min_level", "unknown"}
        assert results["settings"]["weights"]["SOV-5"] == 20 and results["settings"]["min_level"]["SOV-1"] == 2
        for bid in results["bids"]:
            assert set(bid) >= {"bid_id", "vendor", "source", "status", "errors", "objectives", "overall_level",
                                "score", "exclusion_reasons", "total", "rank"}
            assert set(bid["source"]) == {"file", "sha256"} and len(bid["source"]["sha256"]) == 64
            for objective in bid["objectives"].values():
                assert set(objective) >= {"level", "score", "weighted", "required", "passed", "unanswered"}
        ranked = [b for b in results["bids"] if b["status"] == "ranked"]
        assert all(isinstance(b["rank"], int) for b in ranked)
        assert all(b["rank"] is None for b in results["bids"] if b["status"] != "ranked")
        statuses = [b["status"] for b in results["bids"]]
        assert statuses == sorted(statuses, key=["ranked", "excluded", "invalid"].index)
        assert [b["rank"] for b in ranked] == sorted(b["rank"] for b in ranked)

    def test_weighted_contributions_add_up_to_the_score(self, sample_results):
        for bid in sample_results[0]["bids"]:
            if bid["status"] != "invalid":
                assert sum(o["weighted"] for o in bid["objectives"].values()) == pytest.approx(bid["score"], abs=1e-5)

    def test_xlsx_has_ranking_and_breakdown_sheets(self, sample_results):
        _, out = sample_results
        workbook = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
        assert workbook.sheetnames == ["Ranking", "Breakdown"]
        ranking = list(workbook["Ranking"].iter_rows(values_only=True))
        assert ranking[1][:3] == (1, "B-001", "Nordlicht Cloud GmbH")
        assert len(list(workbook["Breakdown"].iter_rows())) == 1 + 7 * 8  # 7 scored bids × 8 objectives


def test_outputs_are_byte_identical_across_processes(tmp_path):
    outputs = []
    for run in ("first", "second"):
        out = tmp_path / run
        subprocess.run([sys.executable, "-m", "evaluator", *SAMPLE_ARGS, "--out", str(out), str(SAMPLES / "bids")],
                       check=True, cwd=ROOT, capture_output=True)
        outputs.append({name: (out / name).read_bytes() for name in ("results.json", "results.xlsx")})
    assert outputs[0] == outputs[1]


def test_formula_like_text_is_neutralised_in_the_workbook(tmp_path):
    # leading blanks are stripped on reading
    vendors = ['=HYPERLINK("http://example.invalid","x")', "@SUM(A1)", "+1", "-1", "=1+1"]
    rows = [["bid_id", "vendor", "criterion_id", "answer"]] + \
        [[f"B-{i}", vendor, "SOV-1.1", "1"] for i, vendor in enumerate(vendors)]
    (tmp_path / "bids.csv").write_text(csv_text(rows))
    code, out = evaluate(tmp_path, "--min-level", "0", inputs=[str(tmp_path / "bids.csv")])
    book = openpyxl.load_workbook(out / "results.xlsx")
    ranking = list(book["Ranking"].iter_rows(min_row=2, values_only=True))
    assert code == 0 and sorted(row[2] for row in ranking) == sorted("'" + vendor for vendor in vendors)
    assert all(cell.data_type != "f" for row in book["Ranking"].iter_rows() for cell in row)
    assert {row[1] for row in book["Breakdown"].iter_rows(min_row=2, values_only=True)} == \
        {"'" + vendor for vendor in vendors}


def test_formats_flag_chooses_outputs(tmp_path):
    code, out = evaluate(tmp_path, "--formats", "json")
    assert code == 0 and sorted(p.name for p in out.iterdir()) == ["results.json", "submissions"]


def test_every_submitted_file_is_kept_by_its_sha256(tmp_path):
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    code, out = evaluate(tmp_path, inputs=[str(SAMPLES / "bids"), str(tmp_path / "junk.xlsx")])
    results = json.loads((out / "results.json").read_text())
    kept = {p.name: p.read_bytes() for p in (out / "submissions").iterdir()}
    assert code == 0 and len(kept) == 9  # six sample files, the rejected one, the framework and the tender
    for bid in results["bids"]:
        assert hashlib.sha256(kept[bid["source"]["sha256"]]).hexdigest() == bid["source"]["sha256"]
    assert kept[hashlib.sha256(b"not a workbook").hexdigest()] == b"not a workbook"


def test_summary_table_on_stdout(tmp_path, capsys):
    evaluate(tmp_path)
    out = capsys.readouterr().out
    assert "B-001" in out and "8 bids: 6 ranked, 1 excluded, 1 invalid. Rank 1: B-001." in out


@pytest.mark.parametrize("extra, message", [
    (["--weights", "v1.2"], "weight profile v1.2 does not exist"),
    (["--min-level", "SEAL-9"], "'SEAL-9' is not a level"),
    (["--min-level", "SOV-12=2"], "objective SOV-12 does not exist"),
    (["--unknown", "hopeful"], "invalid choice: 'hopeful'"),
    (["--formats", "json,docx"], "unknown format docx"),
    (["--evaluated-at", "yesterday"], "'yesterday' is not an ISO 8601 time"),
    (["--evaluated-at", "9999-12-31T23:59:59-05:00"], "is beyond the last representable time"),
    (["--evaluated-at", "0001-01-01T00:00:00+01:00"], "is before the first representable time"),
    (["--evaluated-at", ""], "'' is not an ISO 8601 time"),
    (["--seed", "-1"], "--seed must be a whole number from 0 to 2^63 - 1"),
    (["--seed", "99999999999999999999999999"], "--seed must be a whole number from 0 to 2^63 - 1"),
    (["--draws", "200000000"], "--draws must be from 1 to 1,000,000"),
    (["--concentration", "inf"], "--concentration a number above 0"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_usage_errors_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, extra, message):
    code, out = evaluate(tmp_path, *extra)
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not out.exists()


def test_invalid_tender_exits_2(tmp_path, capsys):
    tender = tmp_path / "tender.yaml"
    tender.write_text("minimum_level: 2\nweights: {SOV-1: 100}\n")
    out = tmp_path / "out"
    code = main(["evaluate", "--framework", str(CSF_PATH), "--tender", str(tender), "--out", str(out),
                 str(SAMPLES / "bids")])
    assert code == 2 and "gives no weight for SOV-2" in capsys.readouterr().err and not out.exists()


def test_bad_bid_files_still_exit_0(tmp_path):
    (tmp_path / "junk.xlsx").write_bytes(b"junk")
    code, out = evaluate(tmp_path, inputs=[str(tmp_path / "junk.xlsx")])
    results = json.loads((out / "results.json").read_text())
    assert code == 0 and results["bids"][0]["status"] == "invalid" and results["bids"][0]["bid_id"] is None


def test_internal_error_exits_1(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr("evaluator.pipeline.evaluate_combined", broken)
    code, _ = evaluate(tmp_path)
    assert code == 1 and "internal error: RuntimeError: boom" in capsys.readouterr().err


def test_levels_framework_from_the_command_line(tmp_path):
    (tmp_path / "levels.csv").write_text("bid_id,vendor,SOV-1,SOV-2,SOV-3,SOV-4,SOV-5,SOV-6,SOV-7,SOV-8\n"
                                         "S-1,Self-assessed,SEAL-4,SEAL-4,SEAL-4,SEAL-4,2,3,4,4\n")
    out = tmp_path / "out"
    assert main(["evaluate", "--framework", str(ROOT / "frameworks" / "eu-csf-levels.yaml"), "--out", str(out),
                 str(tmp_path / "levels.csv")]) == 0
    bid = json.loads((out / "results.json").read_text())["bids"][0]
    assert bid["score"] == 86.25 and bid["overall_level"] == 2


@pytest.mark.parametrize("weight, message", [
    ('"100/0"', "weight '100/0' divides by zero"),
    ('"1e999/1"', "weight '1e999/1' is not a fraction of two plain numbers"),
    ("1e999", "the weight of SOV-1 must be a number of at least 0, not inf"),
])
def test_impossible_weights_are_configuration_errors(tmp_path, capsys, weight, message):
    tender = tmp_path / "tender.yaml"
    tender.write_text(f"weights: {{SOV-1: {weight}, SOV-2: 10, SOV-3: 10, SOV-4: 15, SOV-5: 20, SOV-6: 15, "
                      f"SOV-7: 10, SOV-8: 5}}\n")
    code = main(["evaluate", "--framework", str(CSF_PATH), "--tender", str(tender), "--formats", "json",
                 "--out", str(tmp_path / "out"), str(SAMPLES / "bids")])
    assert code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize("nesting", [b"[" * 50_000 + b"]" * 50_000, b"\n  - " + b"- " * 50_000 + b"x"])
def test_deeply_nested_yaml_is_refused_before_parsing(tmp_path, nesting):
    """libyaml recurses once per level: 50,000 levels used to crash the process (a segmentation fault)."""
    tender = tmp_path / "tender.yaml"
    tender.write_bytes(b"name: " + nesting + b"\n")
    done = subprocess.run([sys.executable, "-m", "evaluator", "evaluate", "--framework", str(CSF_PATH), "--tender",
                           str(tender), "--formats", "json", "--out", str(tmp_path / "out"), str(SAMPLES / "bids")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "nested more than 100 levels deep" in done.stderr


def test_every_kind_of_error_has_its_exit_status_in_one_place(capsys, monkeypatch):
    from evaluator import errors
    from evaluator.__main__ import EXIT_STATUS
    kinds = {kind for kind in vars(errors).values()
             if isinstance(kind, type) and issubclass(kind, errors.EvaluatorError)}
    assert kinds == set(EXIT_STATUS)

    def refuse(_args):
        raise errors.PermissionDenied("someone (analyst) may not evaluate: that needs the role officer")
    monkeypatch.setitem(__import__("evaluator.__main__").__main__.COMMANDS, "schema", refuse)
    assert main(["schema"]) == 2  # the user's to fix, with the sentence, not "internal error"
    assert capsys.readouterr().err == "error: someone (analyst) may not evaluate: that needs the role officer\n"
    assert main(["reproduce", "no-such-evaluation"]) == 2
    assert "error: no evaluation 'no-such-evaluation' in the store" in capsys.readouterr().err


@pytest.mark.parametrize("epoch", ["abc", "-1", "999999999999"])
def test_an_unusable_source_date_epoch_is_a_configuration_error(tmp_path, capsys, monkeypatch, epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    code, out = evaluate(tmp_path)
    assert code == 2 and "SOURCE_DATE_EPOCH" in capsys.readouterr().err and not out.exists()


def test_early_years_keep_four_digits():
    from evaluator.__main__ import evaluation_time
    assert evaluation_time("0001-01-01T05:00:00+01:00") == "0001-01-01T04:00:00Z"


PANEL_ARGS = ["evaluate", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "panel-tender.yaml")]


def evaluate_with_panel(tmp_path, *assessments, formats="json"):
    out = tmp_path / "out"
    code = main([*PANEL_ARGS, "--formats", formats, "--evaluated-at", "2026-11-26T09:00:00Z",
                 *(["--assessments", *map(str, assessments)] if assessments else []), "--out", str(out),
                 str(SAMPLES / "bids")])
    return code, out


def test_the_sample_panel_moderates_leaves_one_bid_pending_and_moves_the_ranks(tmp_path):
    code, out = evaluate_with_panel(tmp_path, SAMPLES / "assessments.csv")
    results = json.loads((out / "results.json").read_text())
    bids = by_id(results)
    assert code == 0 and results["summary"] == {"bids": 8, "ranked": 5, "pending": 1, "excluded": 1, "invalid": 1,
                                                "rank_1": ["B-001"]}
    assert [(b["bid_id"], b["status"], b["rank"]) for b in results["bids"]] == [
        ("B-001", "ranked", 1), ("B-007", "ranked", 2), ("B-005", "ranked", 3), ("B-006", "ranked", 4),
        ("B-003", "ranked", 5), ("B-004", "pending", None), ("B-002", "excluded", None), ("B-008", "invalid", None)]
    assert bids["B-001"]["total"] == pytest.approx(84.58532)
    assert bids["B-001"]["claimed"]["total"] == pytest.approx(84.98532)
    assert bids["B-001"]["claimed"]["objectives"]["SOV-3"] == {"level": 4, "score": 1000.0}
    assert bids["B-001"]["objectives"]["SOV-3"]["level"] == 3 and bids["B-006"]["claimed"]["rank"] == 5
    (moderation,) = bids["B-001"]["moderations"]
    assert (moderation["criterion_id"], moderation["claimed"], moderation["assessed"], moderation["assessors"],
            moderation["stage"]) == ("SOV-3.1", 5, 4, ["ana", "ben"], "individual")
    assert bids["B-005"]["moderations"][0]["stage"] == "consensus" and bids["B-005"]["total"] == pytest.approx(75.37528)
    assert bids["B-004"]["pending_reasons"] == ["SOV-2.2: ana assessed 3, ben accepted the claimed 4 — no consensus "
                                                "recorded"]
    assert bids["B-008"]["claimed"] is None and "pending_reasons" not in bids["B-001"]
    assert bids["B-004"]["provisional"] is True and "provisional" not in bids["B-001"]
    panel = results["panel"]
    assert (panel["chair"], panel["members"], panel["conflicts"]) == ("cleo", ["ana", "ben"], {"ben": ["B-007"]})
    assert panel["assessments"] == [{"name": str(SAMPLES / "assessments.csv"), "sha256": hashlib.sha256(
        (SAMPLES / "assessments.csv").read_bytes()).hexdigest()}]
    agreement = panel["agreement"]
    assert agreement["alpha"] == pytest.approx(0.6)
    assert {b["bid_id"]: b["alpha"] for b in agreement["bids"]} == {"B-004": 0.0, "B-005": 0.0, "B-001": 1.0,
                                                                     "B-007": None}
    assert agreement["bids"][0]["disagreements"] == [{"criterion_id": "SOV-2.2", "answers": {"ana": 3, "ben": 4},
                                                      "settled": False}]


def test_a_panel_without_assessments_evaluates_the_claims_and_says_so(tmp_path):
    code, out = evaluate_with_panel(tmp_path)
    results = json.loads((out / "results.json").read_text())
    assert code == 0 and results["summary"]["ranked"] == 6 and results["summary"]["pending"] == 0
    assert results["panel"]["assessed"] is False and results["panel"]["note"].startswith("no assessment was given")
    assert all("claimed" not in bid for bid in results["bids"])


@pytest.mark.parametrize("content, message", [
    (None, "missing.csv: cannot read the assessments file"),
    ("bid_id,criterion_id,assessed_answer\n", "assessments.csv, row 1: no column justification, assessor, stage"),
    ("bid_id,criterion_id,assessed_answer,justification,assessor,stage\nB-001,SOV-1.1,1,,ana,individual\n",
     "assessments.csv, row 2: SOV-1.1: the assessed answer 1 differs from the claimed 3, so it needs a justification"),
    ("bid_id,criterion_id,assessed_answer,justification,assessor,stage\nB-007,SOV-1.1,,,ben,individual\n",
     "assessments.csv, row 2: ben declared a conflict of interest with bid B-007"),
    ("bid_id,criterion_id,assessed_answer,justification,assessor,stage\nB-001,SOV-1.1,,,ana,individual\n"
     "B-001,SOV-1.1,,,ana,individual\n", "assessments.csv, row 3: ana already assessed B-001 SOV-1.1 at the "
                                         "individual stage (assessments.csv, row 2)"),
    ("bid_id,criterion_id,assessed_answer,justification,assessor,stage\n",
     "assessments.csv, row 2: no assessment rows"),
    ("bid_id,criterion_id,assessed_answer,justification,assessor,stage\nB-001,SOV-1.1,,,ana,individual\n"
     "B-001,SOV-1.1,,ana\n",
     "assessments.csv, row 3: the CSV is malformed: CSV parse error: Expected 6 columns, got 4"),
    ("bid_id,criterion_id,assessed_answer,justification,assessor,stage\nB-001,SOV-1.1,,,ana,individual\n"
     "B-001,SOV-1.1,3,,ben,individual\nB-001,SOV-1.1,1,x,cleo,consensus\n",
     "assessments.csv, row 4: B-001 SOV-1.1: no members disagree, so there is no consensus to record"),
    ("bid_id,criterion_id,assessed_answer,justification,assessor,stage\nB-001,SOV-1.1,1,x,cleo,consensus\n",
     "assessments.csv, row 2: B-001 SOV-1.1: no members disagree, so there is no consensus to record"),
])
def test_assessment_file_errors_exit_2_with_their_location(tmp_path, capsys, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    name = "missing.csv" if content is None else "assessments.csv"
    if content is not None:
        (tmp_path / name).write_text(content)
    code, out = evaluate_with_panel(tmp_path, name)
    error = capsys.readouterr().err
    assert code == 2 and error.startswith(f"error: {message}") and error.count("\n") == 1
    assert not out.exists()


def test_an_assessments_file_over_the_limit_is_refused(tmp_path, capsys):
    from evaluator.ingest.assessments import ASSESSMENTS_LIMIT
    big = tmp_path / "big.csv"
    with big.open("wb") as file:
        file.truncate(ASSESSMENTS_LIMIT + 1)  # sparse: nothing is written
    code, out = evaluate_with_panel(tmp_path, big)
    assert code == 2 and capsys.readouterr().err == f"error: {big}: the assessments file is larger than 20 MiB\n"
    assert not out.exists()


def test_a_second_file_settling_the_members_disagreement_is_accepted(tmp_path, capsys):
    """The members' rows in one file, the chair's in another: the consensus settles a real disagreement."""
    members = tmp_path / "members.csv"
    members.write_text("bid_id,criterion_id,assessed_answer,justification,assessor,stage\n"
                       "B-001,SOV-1.1,,,ana,individual\nB-001,SOV-1.1,2,x,ben,individual\n")
    chair = tmp_path / "chair.csv"
    chair.write_text("bid_id,criterion_id,assessed_answer,justification,assessor,stage\n"
                     "B-001,SOV-1.1,2,agreed,cleo,consensus\n")
    code, out = evaluate_with_panel(tmp_path, members, chair)
    assert code == 0, capsys.readouterr().err


def test_the_table_labels_a_pending_bids_figures_provisional(tmp_path, capsys):
    code, _ = evaluate_with_panel(tmp_path, SAMPLES / "assessments.csv")
    table = capsys.readouterr().out
    (line,) = [line for line in table.splitlines() if " B-004 " in line and "Baltic" in line]
    assert code == 0 and line.endswith("pending *")
    assert "* provisional: disputed answers as claimed" in table
    assert not any(line.endswith("*") for line in table.splitlines() if " B-001 " in line)


def test_the_workbook_lists_moderations_and_pending_reasons_neutralised(tmp_path):
    sample = (SAMPLES / "assessments.csv").read_text()
    assessments = tmp_path / "assessments.csv"
    assessments.write_text(sample.replace('"Key management annex', '"=HYPERLINK(""http://x"")  Key management annex'))
    code, out = evaluate_with_panel(tmp_path, assessments, formats="json,xlsx")
    book = openpyxl.load_workbook(out / "results.xlsx")
    assert code == 0 and book.sheetnames == ["Ranking", "Breakdown", "Moderations", "Pending"]
    moderations = list(book["Moderations"].iter_rows(values_only=True))
    assert moderations[0][:7] == ("Bid ID", "Criterion", "Claimed", "Assessed", "Assessors", "Stage",
                                  "Justification")
    assert [row[:6] for row in moderations[1:]] == [("B-001", "SOV-3.1", 5, 4, "ana, ben", "individual"),
                                                    ("B-005", "SOV-7.5", 4, 3, "cleo", "consensus")]
    assert moderations[1][6].startswith("'=HYPERLINK(") and "Annex 2.3 lets provider staff" in moderations[1][6]
    assert all(cell.data_type != "f" for row in book["Moderations"].iter_rows() for cell in row)
    pending = list(book["Pending"].iter_rows(min_row=2, values_only=True))
    assert pending == [("B-004", "Baltic Sovereign Cloud AS",
                        "SOV-2.2: ana assessed 3, ben accepted the claimed 4 — no consensus recorded")]


def test_without_assessments_the_workbook_has_no_panel_sheets(tmp_path):
    code, out = evaluate_with_panel(tmp_path, formats="xlsx")
    assert code == 0 and openpyxl.load_workbook(out / "results.xlsx").sheetnames == ["Ranking", "Breakdown"]


def test_assessments_without_a_panel_exit_2(tmp_path, capsys):
    assert main([*SAMPLE_ARGS, "--assessments", str(SAMPLES / "assessments.csv"), "--out", str(tmp_path / "out"),
                 str(SAMPLES / "bids")]) == 2
    assert "the tender declares no panel" in capsys.readouterr().err


def test_users_are_added_granted_revoked_and_listed_by_an_admin(tmp_path, monkeypatch, capsys):
    """`users` is how an office gives the second officer of the four-eyes rule their role; every change is
    audited, and only an admin (or the local user) may make one."""
    from sqlalchemy import select

    from evaluator.application import Store
    from evaluator.store.schema import audit_log

    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    assert main(["users", "add", "bob", "--role", "officer", "--role", "auditor"]) == 0
    assert main(["users", "grant", "bob", "bid_identities"]) == 0
    assert main(["users", "revoke", "bob", "auditor"]) == 0
    assert capsys.readouterr().out.splitlines() == ["bob: auditor, officer", "bob: auditor, officer (grants "
                                                    "bid_identities)", "bob: officer (grants bid_identities)"]
    assert main(["users", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"name": "bob", "roles": ["officer"],
                                                    "grants": ["bid_identities"]}]
    assert main(["users", "add", "eve", "--role", "boss"]) == 2
    assert "unknown role boss" in capsys.readouterr().err
    assert main(["users", "add", "eve", "--role", "admin", "--as", "bob"]) == 2
    assert "bob (officer) may not manage users: that needs the role admin" in capsys.readouterr().err
    with Store().engine.connect() as connection:
        changes = [json.loads(detail) for detail in connection.execute(
            select(audit_log.c.detail).where(audit_log.c.event == "user changed").order_by(audit_log.c.seq)).scalars()]
    assert [(change["user"], change["roles"], change["grants"]) for change in changes] == [
        ("bob", ["auditor", "officer"], []), ("bob", ["auditor", "officer"], ["bid_identities"]),
        ("bob", ["officer"], ["bid_identities"])]
