"""Located errors and exclusion reasons in the active language: Chinese under zh-CN, at the same places as in
English, and English (as before) by default."""

import re

import pytest
from babel.messages.extract import extract_from_file

from evaluator import i18n
from evaluator.errors import ConfigurationError
from evaluator.ingest.files import read_bids
from evaluator.loading import load_document
from evaluator.model.tender import Tender, resolve_settings

from conftest import ROOT, run, top_ranks
from factories import bid_workbook, csv_text, long_rows, read_bid_bytes


def problems(bids, index=0):
    return [(p.location, p.message) for p in bids.bids[index].errors]


def read_in(language, content: bytes, name, framework):
    with i18n.using(language):
        return problems(read_bid_bytes(content, name, framework))


def test_an_unknown_criterion_and_a_repeated_answer_are_located_alike_in_both_languages(csf):
    content = csv_text(long_rows({"B-1": ("V", {"SOV-9.9": 1, "SOV-1.1": 1})})) + "B-1,V,SOV-1.1,2\n"
    english, chinese = (read_in(language, content.encode(), "bids.csv", csf) for language in ("en", "zh-CN"))
    assert english == [("row 2", "criterion 'SOV-9.9' is not in framework eu-csf-2026 version 2026.06"),
                       ("row 4", "SOV-1.1 is answered a second time (first at row 3)")]
    assert [location for location, _message in chinese] == ["row 2", "row 4"]
    assert chinese == [("row 2", "评估准则 'SOV-9.9' 不在评估框架 eu-csf-2026 版本 2026.06 中"),
                       ("row 4", "SOV-1.1 被重复回答（首次回答位于 row 3）")]


def test_a_latin_1_csv_is_refused_in_chinese_at_the_same_byte(csf):
    content = csv_text(long_rows({"B-1": ("Société", {"SOV-1.1": 1})})).encode("latin-1")
    [(where, english)] = read_in("en", content, "bids.csv", csf)
    [(where_zh, chinese)] = read_in("zh-CN", content, "bids.csv", csf)
    assert where == where_zh == "line 2, byte 9"
    assert english.startswith("the CSV is not UTF-8 (byte 0xE9;")
    assert chinese == ("该 CSV 文件不是 UTF-8 编码（字节 0xE9；Latin-1 或 Windows 编码会出现此类字节）；"
                       "请另存为“CSV UTF-8”格式后重新上传")


def test_a_bid_id_given_by_two_files_is_refused_in_chinese(csf, tmp_path):
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(csv_text(long_rows({"B-1": ("V", {"SOV-1.1": 1})})))
    with i18n.using("zh-CN"):
        bids = read_bids([str(tmp_path)], csf)
    location, message = problems(bids, 0)[0]
    assert location == "bid_id"
    assert message == (f"bid_id B-1 也被 {tmp_path.as_posix()}/b.csv 中的投标使用；一个 bid_id 只能标识一份投标，"
                       f"因此在仅剩一份之前，上述投标均不予评估")


def test_workbook_problems_keep_their_cells(csf, tmp_path):
    path = bid_workbook(tmp_path / "bid.xlsx", {"vendor": "V", "price": "1"}, [["SOV-1.1", 1], ["SOV-1.1", 2]])
    english = read_in("en", path.read_bytes(), "bid.xlsx", csf)
    chinese = read_in("zh-CN", path.read_bytes(), "bid.xlsx", csf)
    assert english == [("Bid!A:B", "bid_id is missing")]
    assert chinese == [("Bid!A:B", "缺少 bid_id")]


def test_a_refused_file_type_is_explained_in_chinese(csf):
    assert read_in("zh-CN", b"x", "bid.xlsm", csf) == [("file", "不接受启用宏的工作簿；请将投标文件另存为 .xlsx")]
    assert read_in("en", b"x", "bid.xlsm", csf) == \
        [("file", "macro-enabled workbooks are not accepted; save the bid as .xlsx")]


def test_an_excluded_bid_is_explained_in_chinese(csf):
    answers = top_ranks(csf)
    answers["SOV-3.4"] = 1
    with i18n.using("zh-CN"):
        evaluation = run(csf, [answers], Tender(minimum_level=2))
    (reason,) = evaluation.exclusion_reasons[0]
    assert (reason.kind, reason.objective, reason.criteria) == ("minimum_level", "SOV-3", ("SOV-3.4",))
    assert reason.message == "SOV-3 Data & AI Sovereignty 处于 SEAL-0，低于要求的 SEAL-2；受限于 SOV-3.4"
    english = run(csf, [answers], Tender(minimum_level=2)).exclusion_reasons[0][0].message
    assert english == "SOV-3 Data & AI Sovereignty is at SEAL-0, below the required SEAL-2; capped by SOV-3.4"


def test_a_missing_price_is_explained_in_chinese(csf):
    tender = Tender(award={"quality_weight": 70, "price_weight": 30})
    with i18n.using("zh-CN"):
        evaluation = run(csf, [top_ranks(csf)], tender)
    assert [r.message for r in evaluation.exclusion_reasons[0]] == ["该招标对价格计分，但该投标未给出大于 0 的价格"]


def test_a_tender_error_names_the_same_place_in_chinese(csf, tmp_path):
    path = tmp_path / "tender.yaml"
    path.write_text("weight_profile: nope\n")
    tender = load_document(path, Tender)[0]
    with pytest.raises(ConfigurationError) as english:
        resolve_settings(csf, tender, tender_where=str(path))
    with i18n.using("zh-CN"), pytest.raises(ConfigurationError) as chinese:
        resolve_settings(csf, tender, tender_where=str(path))
    assert english.value.where == chinese.value.where == str(path)
    assert english.value.message.startswith("weight profile nope does not exist in eu-csf-2026 (profiles: ")
    assert chinese.value.message.startswith("权重方案 nope 在 eu-csf-2026 中不存在（现有权重方案：")


def test_a_validation_error_in_a_tender_file_is_in_the_active_language(tmp_path):
    path = tmp_path / "tender.yaml"
    path.write_text("weight_profile: a\nweights: {SOV-1: 100}\n")
    with i18n.using("zh-CN"), pytest.raises(ConfigurationError) as chinese:
        load_document(path, Tender)
    assert chinese.value.message == "weight_profile 与 weights 只能二选一"
    with pytest.raises(ConfigurationError) as english:
        load_document(path, Tender)
    assert english.value.message == "give either weight_profile or weights, not both"


def test_every_message_of_these_layers_is_translated_and_keeps_its_placeholders():
    files = [path for layer in ("ingest", "model", "scoring", "store") for path in
             sorted((ROOT / "evaluator" / layer).glob("*.py"))]
    catalogue = i18n.catalogue("zh-CN")
    for path in files:
        for _line, message, _comments, _context in extract_from_file("python", str(path), keywords={"_": None,
                                                                                                     "N_": None}):
            translated = catalogue.gettext(message)
            assert translated != message or not re.search(r"[a-z]{3}", message.replace("{", " ")), (path, message)
            assert sorted(re.findall(r"{\w*}", translated)) == sorted(re.findall(r"{\w*}", message)), message
