"""The vendor template in Simplified Chinese: its texts, and a Chinese template filled in with the Chinese
drop-down entries evaluates exactly as the English one filled in with the same choices."""

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from evaluator import i18n
from evaluator.ingest.files import read_bids
from evaluator.ingest.template import answer_options, render_template
from evaluator.loading import load_framework, load_tender
from evaluator.model.tender import EVIDENCE_QUALITIES, resolve_settings
from evaluator.pipeline import make_template
from evaluator.scoring import evaluate

from conftest import CSF_PATH, SAMPLES

TENDER = SAMPLES / "tender.yaml"
HEADERS = ["criterion_id", "objective", "criterion", "question", "answer", "evidence", "evidence_quality", "notes"]
CHINESE_HEADERS = ["评估准则编号", "主权目标", "评估准则", "问题", "回答", "证据", "证据质量", "备注"]
CHINESE_QUALITIES = ["自我声明", "合同承诺", "第三方认证", "独立审计"]
BID = {"bid_id": "B-200", "vendor": "示例云计算有限公司", "service": "政务云", "price": 6_500_000, "currency": "EUR"}


def _render(language: str) -> bytes:
    """The template as render_template makes it in the active language (the pipeline's make_template chooses
    the language from its flag or the tender)."""
    framework, framework_sha256 = load_framework(CSF_PATH)
    tender, tender_sha256 = load_tender(TENDER)
    settings = resolve_settings(framework, tender)
    with i18n.using(language):
        return render_template(framework, framework_sha256, settings, tender_sha256)


def _template(tmp_path: Path, language: str) -> Path:
    path = tmp_path / f"template-{language}.xlsx"
    path.write_bytes(_render(language))
    return path


@pytest.fixture(scope="module")
def chinese(tmp_path_factory) -> Path:
    return _template(tmp_path_factory.mktemp("zh"), "zh-CN")


def _rank(index: int, criterion) -> int:
    """Varied choices, from the worst answer to the best across the criteria."""
    return index % len(criterion.answers) + 1


def _quality(index: int) -> int:
    return index % len(EVIDENCE_QUALITIES)


def _fill(template: Path, target: Path, csf, qualities: list[str]) -> Path:
    """Fill a template as a vendor would, taking each answer from the criterion's row of the hidden options
    sheet (the drop-down's source) and each evidence quality from the drop-down's words."""
    book = openpyxl.load_workbook(template)
    for row in book["Bid"].iter_rows():
        if row[0].value in BID:
            row[1].value = BID[row[0].value]
    options = {row[0]: row[1:] for row in book["Options"].iter_rows(values_only=True)}
    responses = book["Responses"]
    header = [cell.value for cell in responses[1]]
    names = HEADERS if header == HEADERS else CHINESE_HEADERS
    answer, evidence, quality = (header.index(names[HEADERS.index(name)])
                                 for name in ("answer", "evidence", "evidence_quality"))
    criteria = {c.id: c for c in csf.criteria}
    for index, row in enumerate(responses.iter_rows(min_row=2)):
        criterion_id = row[0].value
        criterion = criteria[criterion_id]
        row[answer].value = options[criterion_id][_rank(index, criterion) - 1]
        row[evidence].value = f"附件 {criterion_id}"
        row[quality].value = qualities[_quality(index)]
    book.save(target)
    return target


class TestChineseTexts:
    def test_instructions_are_chinese(self, chinese, csf):
        sheet = openpyxl.load_workbook(chinese)["Instructions"]
        cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
        assert sheet["A1"].value == "投标模板：" + csf.translated("zh-CN").title
        assert cells["名称"] == "Sovereign cloud services for public administrations (sample)"  # data stays as given
        assert cells["截止时间"] == "见招标文件"
        assert cells["第三方认证"].startswith("由获认可机构颁发的证书")
        assert "self_attested" in cells["3. 证据"]  # the codes are named as they are
        objective = csf.translated("zh-CN").objectives[0]
        assert objective.name != csf.objectives[0].name and cells[f"{objective.id} {objective.name}"] == "SEAL-2"
        assert sheet.HeaderFooter.oddFooter.right.text == "第 &P 页，共 &N 页"

    def test_sheet_names_and_bid_keys_stay_english(self, chinese):
        book = openpyxl.load_workbook(chinese)
        assert book.sheetnames == ["Instructions", "Bid", "Responses", "Options", "Template"]
        bid = [(row[0], row[2]) for row in book["Bid"].iter_rows(values_only=True)]
        assert [key for key, meaning in bid] == ["bid_id", "vendor", "service", "price", "currency"]
        assert dict(bid)["vendor"] == "投标人的法定名称"

    def test_responses_header_and_drop_downs_are_chinese(self, chinese, csf):
        book = openpyxl.load_workbook(chinese)
        sheet = book["Responses"]
        assert [cell.value for cell in sheet[1]] == CHINESE_HEADERS
        rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
        quality = next(rule for rule in rules.values() if rule.formula1 and rule.formula1.startswith('"'))
        assert quality.formula1 == '"' + ",".join(CHINESE_QUALITIES) + '"'
        assert quality.error == "请选择以下之一：" + ", ".join(CHINESE_QUALITIES)
        assert rules["E2"].formula1 == "Options!$B$1:$E$1" and rules["E2"].errorTitle == "请选择回答"
        first = [row for row in book["Options"].iter_rows(values_only=True)][0]
        assert first[0] == "SOV-1.1" and first[3] == "3 - 主要在欧盟/欧洲经济区以内"  # the rank leads the label
        with i18n.using("zh-CN"):
            assert answer_options(csf, csf.criteria[0]) == list(first[1:5])
        assert answer_options(csf, csf.criteria[0])[2] == "3 - Mainly inside the EU/EEA"  # English by default

    def test_chinese_rows_are_tall_enough(self, chinese):
        """A Chinese character is about two Latin letters wide: rows are sized for that."""
        sheet = openpyxl.load_workbook(chinese)["Responses"]
        question = sheet["D3"].value  # SOV-1.2, translated
        assert len(question) * 2 > 48 * 1.05 and sheet.row_dimensions[3].height >= 30

    def test_english_template_is_unchanged_by_a_chinese_one(self):
        english = _render("en")
        assert english == make_template(str(CSF_PATH), str(TENDER))  # the pipeline's default is English
        chinese = _render("zh-CN")
        assert chinese != english and _render("en") == english
        assert _render("zh-CN") == chinese  # the same bytes in Chinese too


def _evaluated(path: Path, csf):
    bids = read_bids([str(path)], csf)
    settings = resolve_settings(csf, load_tender(TENDER)[0])
    return bids, evaluate(csf, settings, bids)


def test_a_chinese_template_evaluates_as_the_english_one(chinese, csf, tmp_path):
    english = _fill(_template(tmp_path, "en"), tmp_path / "filled-en.xlsx", csf,
                    ["self-attested", "contractual", "third-party certified", "independently audited"])
    filled = _fill(chinese, tmp_path / "filled-zh.xlsx", csf, CHINESE_QUALITIES)
    assert openpyxl.load_workbook(filled)["Responses"]["E2"].value.startswith("1 - 完全")
    (en_bids, en), (zh_bids, zh) = _evaluated(english, csf), _evaluated(filled, csf)
    assert en_bids.bids[0].errors == () and zh_bids.bids[0].errors == ()
    assert (zh_bids.bids[0].vendor, zh_bids.bids[0].price) == ("示例云计算有限公司", 6_500_000)
    assert np.array_equal(en_bids.ranks, zh_bids.ranks) and len(set(en_bids.ranks[0].tolist())) > 2
    assert np.array_equal(en_bids.evidence_quality, zh_bids.evidence_quality)
    assert set(zh_bids.evidence_quality[0].tolist()) == {1, 2, 3, 4}
    assert np.array_equal(en.objective_levels, zh.objective_levels)
    assert np.array_equal(en.overall_level, zh.overall_level)
    assert np.allclose(en.score, zh.score) and np.allclose(en.total, zh.total, equal_nan=True)
    assert en.status == zh.status and en.rank.tolist() == zh.rank.tolist()


def test_a_chinese_header_row_is_read_as_the_english_one(chinese, csf, tmp_path):
    filled = _fill(chinese, tmp_path / "filled-zh.xlsx", csf, CHINESE_QUALITIES)
    renamed = tmp_path / "renamed.xlsx"
    book = openpyxl.load_workbook(filled)
    for cell, name in zip(book["Responses"][1], HEADERS, strict=True):
        cell.value = name
    book.save(renamed)
    chinese_bids, english_bids = read_bids([str(filled)], csf), read_bids([str(renamed)], csf)
    assert chinese_bids.bids[0].errors == () and english_bids.bids[0].errors == ()
    assert np.array_equal(chinese_bids.ranks, english_bids.ranks)
    assert np.array_equal(chinese_bids.evidence_quality, english_bids.evidence_quality)
    assert chinese_bids.evidence[0, 0] == english_bids.evidence[0, 0] == "附件 SOV-1.1"


@pytest.mark.parametrize(("given", "code"), [("自我声明", 1), ("合同承诺", 2), ("第三方认证", 3), ("独立审计", 4),
                                             ("contractual", 2), ("third_party_certified", 3)])
def test_evidence_quality_words_in_any_language(chinese, csf, tmp_path, given, code):
    filled = _fill(chinese, tmp_path / "filled.xlsx", csf, [given] * len(EVIDENCE_QUALITIES))
    bids = read_bids([str(filled)], csf)
    assert bids.bids[0].errors == () and (bids.evidence_quality[0] == code).all()


def test_a_chinese_header_is_read_whatever_the_active_language(chinese, csf, tmp_path):
    filled = _fill(chinese, tmp_path / "filled.xlsx", csf, CHINESE_QUALITIES)
    with i18n.using("zh-CN"):
        in_chinese = read_bids([str(filled)], csf)
    assert in_chinese.bids[0].errors == ()
    assert np.array_equal(in_chinese.ranks, read_bids([str(filled)], csf).ranks)
