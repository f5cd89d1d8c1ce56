"""Issue 18: `--language en|zh-CN` on evaluate, case evaluate, template and analyse; the tender's `language`;
the pipeline and the desk speak the evaluation's language."""

import json
import shlex

import openpyxl
import pytest
import yaml

from evaluator import i18n
from evaluator.__main__ import main
from evaluator.application import Desk, Store, User, load_request
from evaluator.errors import ConfigurationError
from evaluator.loading import load_tender
from evaluator.pipeline import Request, evaluation_key, request_fields
from evaluator.store import audit
from evaluator.store.database import reading

from conftest import CSF_PATH, SAMPLES

BIDS = SAMPLES / "bids"
TENDER = SAMPLES / "tender.yaml"
EVALUATE = ["evaluate", "--framework", str(CSF_PATH), "--tender", str(TENDER), "--formats", "json"]


pytestmark = pytest.mark.usefixtures("private_store")


def run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return status, out, err


def tender_in(folder, **changes):
    data = yaml.safe_load(TENDER.read_text(encoding="utf-8"))
    path = folder / "tender.yaml"
    path.write_text(yaml.safe_dump({**data, **changes}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def new_opened_case(capsys) -> str:
    status, out, err = run(capsys, "case", "new", "--framework", CSF_PATH, "--tender", TENDER)
    assert status == 0, err
    case_id = out.splitlines()[-1]
    assert run(capsys, "case", "add-bids", case_id, BIDS / "b-001.xlsx", BIDS / "b-002.xlsx")[0] == 0
    assert run(capsys, "case", "open", case_id)[0] == 0
    return case_id


@pytest.mark.parametrize("command", ["evaluate", "analyse", "template", "case evaluate"])
def test_an_unknown_language_is_a_usage_error_naming_the_known_ones(capsys, tmp_path, command):
    arguments = {"evaluate": EVALUATE[1:] + ["--out", tmp_path / "out", BIDS],
                 "analyse": EVALUATE[1:] + ["--out", tmp_path / "out", BIDS],
                 "template": ["--framework", CSF_PATH, "--out", tmp_path / "t.xlsx"],
                 "case evaluate": ["C2026-0001", "--out", tmp_path / "out"]}[command]
    status, out, err = run(capsys, *command.split(), *arguments, "--language", "fr")
    assert status == 2 and out == ""
    assert err == "error: --language: unknown language 'fr' (known: en, zh-CN)\n"
    assert not (tmp_path / "out").exists() and not (tmp_path / "t.xlsx").exists()


def test_evaluate_in_chinese_differs_from_english_only_in_human_texts(capsys, tmp_path):
    status, english_out, _ = run(capsys, *EVALUATE, "--out", tmp_path / "en", BIDS)
    assert status == 0 and "Wrote results.json to" in english_out
    status, chinese_out, err = run(capsys, *EVALUATE, "--language", "zh-CN", "--out", tmp_path / "zh", BIDS)
    assert status == 0, err
    assert "已将 results.json 写入" in chinese_out and "已作为评估" in chinese_out
    assert "Wrote results.json" not in chinese_out
    english = json.loads((tmp_path / "en" / "results.json").read_text(encoding="utf-8"))
    chinese = json.loads((tmp_path / "zh" / "results.json").read_text(encoding="utf-8"))
    assert [bid["bid_id"] for bid in english["bids"]] == [bid["bid_id"] for bid in chinese["bids"]]
    for en, zh in zip(english["bids"], chinese["bids"], strict=True):
        assert (en["status"], en["score"], en["total"], en["rank"], en["overall_level"]) == \
            (zh["status"], zh["score"], zh["total"], zh["rank"], zh["overall_level"])
        assert {oid: o["level"] for oid, o in en["objectives"].items()} == \
            {oid: o["level"] for oid, o in zh["objectives"].items()}
        assert [e["location"] for e in en["errors"]] == [e["location"] for e in zh["errors"]]
    for key in ("weights", "min_level", "unknown"):  # the settings' descriptions are human texts
        assert english["settings"][key] == chinese["settings"][key]
    assert english["summary"] == chinese["summary"]
    assert i18n.current() == "en"  # the run's language ended with it


def test_the_tenders_language_is_the_default_and_the_flag_wins(capsys, tmp_path):
    tender = tender_in(tmp_path, language="zh-CN")
    assert load_tender(tender)[0].language == "zh-CN"
    arguments = ["evaluate", "--framework", CSF_PATH, "--tender", tender, "--formats", "json"]
    status, out, err = run(capsys, *arguments, "--out", tmp_path / "zh", BIDS)
    assert status == 0 and "已将 results.json 写入" in out, err
    status, out, err = run(capsys, *arguments, "--language", "en", "--out", tmp_path / "en", BIDS)
    assert status == 0 and "Wrote results.json to" in out and "已将" not in out, err
    status, out, err = run(capsys, "template", "--framework", CSF_PATH, "--tender", tender,
                           "--out", tmp_path / "t.xlsx")
    assert status == 0 and "已将投标模板写入" in out, err


def test_an_unknown_tender_language_is_refused(capsys, tmp_path):
    tender = tender_in(tmp_path, language="fr")
    with pytest.raises(ConfigurationError, match=r"language: unknown language 'fr' \(known: en, zh-CN\)"):
        load_tender(tender)
    status, out, err = run(capsys, "evaluate", "--framework", CSF_PATH, "--tender", tender, "--out", tmp_path / "out",
                           BIDS)
    assert status == 2 and "unknown language 'fr' (known: en, zh-CN)" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_chinese_request_repeats_in_chinese_and_reproduces_byte_for_byte(capsys, tmp_path):
    request = Request(framework=str(CSF_PATH), inputs=(str(BIDS),), tender=str(TENDER), formats=("json",),
                      language="zh-CN", out=str(tmp_path / "first"))
    assert "--language zh-CN" in request.command()
    assert "--language" not in Request(framework=str(CSF_PATH), inputs=()).command()
    words = shlex.split(request.command())[3:]
    status, out, err = run(capsys, *words)
    assert status == 0 and "已将 results.json 写入" in out, err
    evaluation_id = out.split("reproduce ")[-1].split("）")[0].strip()
    again = words[:words.index("--out")] + ["--out", str(tmp_path / "again"), *words[words.index("--out") + 2:]]
    assert run(capsys, *again)[0] == 0
    assert (tmp_path / "first" / "results.json").read_bytes() == (tmp_path / "again" / "results.json").read_bytes()
    status, out, _ = run(capsys, "reproduce", evaluation_id)
    assert status == 0 and "1 of 1 outputs reproduced byte for byte." in out
    with reading(Store().engine) as connection:
        stored = connection.exec_driver_sql("select request from evaluations").scalars().all()
    assert [load_request(text).language for text in stored] == ["zh-CN"]


def test_an_english_request_keeps_the_key_it_had_before_requests_had_a_language():
    request = Request(framework="f.yaml", inputs=("b.csv",))
    assert "language" not in request_fields(request) and request_fields(
        Request(framework="f.yaml", inputs=(), language="zh-CN"))["language"] == "zh-CN"

    class Outcome:
        inputs, refused = {"b.csv": "0" * 64}, ()
    assert evaluation_key(request, Outcome()) != evaluation_key(Request(framework="f.yaml", inputs=("b.csv",),
                                                                        language="en"), Outcome())


def test_template_in_chinese_writes_a_workbook(capsys, tmp_path):
    status, out, err = run(capsys, "template", "--framework", CSF_PATH, "--tender", TENDER, "--language", "zh-CN",
                           "--out", tmp_path / "t.xlsx")
    assert status == 0 and out.startswith("已将投标模板写入"), err
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames


def test_analyse_in_chinese(capsys, tmp_path):
    status, out, err = run(capsys, "analyse", *EVALUATE[1:], "--draws", "50", "--language", "zh-CN",
                           "--out", tmp_path / "out", BIDS)
    assert status == 0 and "已将 robustness.json 写入" in out, err


def test_case_evaluate_takes_the_flag_and_records_the_language(capsys, tmp_path):
    case_id = new_opened_case(capsys)
    status, out, err = run(capsys, "case", "evaluate", case_id, "--formats", "json", "--out", tmp_path / "out",
                           "--language", "zh-CN")
    assert status == 0 and f"招标案件 {case_id}：评估" in out, err
    evaluation_id = json.loads(run(capsys, "case", "show", case_id, "--format", "json")[1])["evaluations"][-1]["id"]
    with reading(Store().engine) as connection:
        row = connection.exec_driver_sql("select request from evaluations where id = ?", (evaluation_id,)).scalar()
    assert load_request(row).language == "zh-CN"


def test_the_app_evaluates_a_case_in_the_users_language_and_refuses_in_it(capsys):
    case_id = new_opened_case(capsys)
    desk = Desk(Store(), User.local())
    with i18n.using("zh-CN"):
        outcome, evaluation_id = desk.evaluate_case(case_id, ("json",))
        with pytest.raises(ConfigurationError) as refusal:
            desk.open_case(case_id)
    assert outcome.language == "zh-CN"
    assert refusal.value.message == "招标案件已处于“evaluated”状态" and refusal.value.where == f"招标案件 {case_id}"
    with reading(Store().engine) as connection:
        reasons = [json.loads(entry.detail)["reason"] for entry in audit.entries_of(connection, "case refused")]
    assert reasons[-1] == f"case {case_id}: the case is evaluated already"  # the audit log keeps English
    english, again = desk.evaluate_case(case_id, ("json",))  # the user speaks English now: another evaluation
    assert english.language == "en" and again != evaluation_id
