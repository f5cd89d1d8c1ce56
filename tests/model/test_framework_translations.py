"""Framework texts in Simplified Chinese: every bundled framework has them, they change no number, the CSF says
they are this project's own translation, the whitepaper frameworks use the whitepaper's own names, and a bid
file may give an answer's label (or a level's name) in either language."""

import copy
import pickle
import re
from pathlib import Path

import pytest
import yaml

from evaluator import i18n
from evaluator.errors import ConfigurationError
from evaluator.loading import load_framework
from evaluator.model.documents import parse_document
from evaluator.model.framework import Framework

from conftest import ROOT
from factories import TINY, csv_text, long_rows, read_bid_bytes

FRAMEWORKS = sorted(path.name for path in (ROOT / "frameworks").glob("*.yaml"))
WHITEPAPER = ROOT.parent / "shared" / "reference" / "seed" / "advanced-public-cloud-whitepaper.zh.txt"
HAS_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def framework(name: str) -> Framework:
    return load_framework(ROOT / "frameworks" / name)[0]


def load(data) -> Framework:
    return parse_document(yaml.safe_dump(data, allow_unicode=True).encode(), Framework, "tiny.yaml")


def tiny_with(translation: dict) -> dict:
    data = copy.deepcopy(TINY)
    data["translations"] = {"zh-CN": {"origin": "测试", **translation}}
    return data


def refused(data) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load(data)
    return str(caught.value)


def test_the_five_bundled_frameworks_are_translated():
    assert FRAMEWORKS == ["apc-enterprise-2026.yaml", "apc-national-2026.yaml", "apc-product-2026.yaml",
                          "eu-csf-2026.yaml", "eu-csf-levels.yaml"]


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_every_text_has_chinese(name):
    original = framework(name)
    chinese = original.translated("zh-CN")
    assert chinese is not original and HAS_CHINESE.search(chinese.title)
    assert HAS_CHINESE.search(chinese.translations["zh-CN"].origin)
    for level in chinese.level_scale.levels:
        assert HAS_CHINESE.search(level.name), level.code
    for objective, english in zip(chinese.objectives, original.objectives, strict=True):
        assert HAS_CHINESE.search(objective.name), objective.id
        assert not english.description or HAS_CHINESE.search(objective.description), objective.id
        assert len(objective.contributing_factors) == len(english.contributing_factors)
        assert all(HAS_CHINESE.search(factor) for factor in objective.contributing_factors), objective.id
    for criterion, english in zip(chinese.criteria, original.criteria, strict=True):
        assert HAS_CHINESE.search(criterion.title) and HAS_CHINESE.search(criterion.question), criterion.id
        assert not english.note or HAS_CHINESE.search(criterion.note), criterion.id
        labels = [answer.label for answer in criterion.answers]
        given = chinese.translations["zh-CN"].criteria[criterion.id].answers
        assert len(given) == len(labels) and len(set(labels)) == len(labels), criterion.id  # EAL0 stays EAL0
        assert not labels or any(HAS_CHINESE.search(label) for label in labels), criterion.id
    for name_, profile in chinese.weight_profiles.items():
        assert HAS_CHINESE.search(profile.description), name_


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_translation_keeps_every_number_id_and_weight(name):
    original = framework(name)
    chinese = original.translated("zh-CN")

    def numbers(f: Framework):
        return (f.id, f.version, f.answer_format, f.score_divisor, f.default_weight_profile, f.objective_ids,
                [(level.value, level.code) for level in f.level_scale.levels],
                [(c.id, c.objective, [(a.rank, a.points, a.level) for a in c.answers],
                  c.numeric and c.numeric.model_dump(exclude={"unit"})) for c in f.criteria],
                {n: p.weights for n, p in f.weight_profiles.items()}, f.criterion_index,
                [c.id for c in f.criteria_in_objective_order], f.source.documents, f.translations)
    assert numbers(chinese) == numbers(original)
    assert chinese.criteria_in_objective_order[0] is chinese.criteria[chinese.criteria.index(
        chinese.criteria_in_objective_order[0])]  # the Chinese criteria, not the English ones cached before


def test_translated_is_built_once_and_english_is_the_framework_itself():
    csf = framework("eu-csf-2026.yaml")
    chinese = csf.translated("zh-CN")
    assert csf.translated("zh-CN") is chinese and chinese.translated("zh-CN") is chinese
    assert csf.translated("en") is csf and chinese.translated("en") is csf
    tiny = load(TINY)
    assert tiny.translated("zh-CN") is tiny
    assert chinese == csf.translated("zh-CN") and csf == framework("eu-csf-2026.yaml")


def test_frameworks_with_translated_copies_compare_and_pickle_by_value():
    csf, again = framework("eu-csf-2026.yaml"), framework("eu-csf-2026.yaml")
    chinese, chinese_again = csf.translated("zh-CN"), again.translated("zh-CN")
    assert csf == again and chinese == chinese_again and csf != chinese  # never recurses into the copies
    restored = pickle.loads(pickle.dumps(csf))  # noqa: S301 - our own bytes
    assert restored == csf and restored.translated("zh-CN") == chinese
    assert copy.deepcopy(chinese).translated("en") == csf


def test_csf_names_follow_the_glossary():
    chinese = framework("eu-csf-2026.yaml").translated("zh-CN")
    assert [o.name for o in chinese.objectives] == [
        "战略主权", "法律与司法管辖主权", "数据与人工智能主权", "运营主权", "供应链主权", "技术主权", "安全与合规主权",
        "环境可持续性"]
    assert [level.name for level in chinese.level_scale.levels] == [
        "无主权", "司法管辖主权", "数据主权", "数字韧性", "完全数字主权"]
    assert chinese.level_scale.levels[3].aliases == ("技术主权",)


@pytest.mark.parametrize("name", ["eu-csf-2026.yaml", "eu-csf-levels.yaml"])
def test_the_csf_says_its_chinese_is_this_projects_own_translation(name):
    origin = framework(name).translations["zh-CN"].origin
    assert "本项目" in origin and "自行翻译" in origin and "并非官方文本" in origin
    assert "this project's own translation" in (ROOT / "frameworks" / name).read_text().split("schema_version")[0]


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


@pytest.mark.skipif(not WHITEPAPER.exists(), reason="../shared/reference is not beside this checkout")
@pytest.mark.parametrize("name", ["apc-product-2026.yaml", "apc-national-2026.yaml", "apc-enterprise-2026.yaml"])
def test_whitepaper_dimension_and_indicator_names_are_the_whitepapers_own(name):
    whitepaper = _normalised(WHITEPAPER.read_text(encoding="utf-8"))
    translation = framework(name).translations["zh-CN"]
    names = [text.name for text in translation.objectives.values()]
    names += [part for text in translation.objectives.values() for factor in text.contributing_factors
              for part in factor.split("、")]
    if name != "apc-national-2026.yaml":  # the national criteria are the published dimension scores
        names += [text.title for text in translation.criteria.values()]
    assert [n for n in names if _normalised(n) not in whitepaper] == []
    assert "白皮书" in translation.origin and "自行翻译" in translation.origin


def test_enterprise_titles_are_the_names_its_questions_cite():
    csf = framework("apc-enterprise-2026.yaml")
    for criterion in csf.criteria:
        cited = criterion.question.rsplit("Whitepaper: ", 1)[1].rstrip(".")
        assert csf.translations["zh-CN"].criteria[criterion.id].title == cited


def test_level_names_in_either_language_are_levels():
    levels = framework("eu-csf-levels.yaml")
    chinese = levels.translated("zh-CN")
    for scale in (levels.level_scale, chinese.level_scale):
        assert [scale.parse(text) for text in ("数据主权", "Data Sovereignty", "技术主权", "数字韧性",
                                                "Technological Sovereignty", "SEAL-4", "4", "完全数字主权")] == \
            [2, 2, 3, 3, 3, 4, 4, 4]
        assert scale.parse("主权") is None


@pytest.mark.parametrize("text, rank", [("SEAL-2 数据主权", 3), ("数据主权", 3), ("SEAL-3 数字韧性", 4),
                                        ("技术主权", 4)])
def test_level_answers_with_chinese_names_are_read(csf_levels, text, rank):
    bids = read_bid_bytes(csv_text(long_rows({"B": ("V", {"SOV-5": text})})).encode(), "bids.csv", csf_levels)
    assert bids.bids[0].errors == ()
    assert bids.ranks[0, 4] == rank


def test_answer_labels_hold_every_language():
    csf = framework("eu-csf-2026.yaml")
    assert csf.answer_labels("SOV-3.1")[2] == {"shared; the provider holds override keys",
                                               "共享控制；服务商持有可越权使用的密钥"}
    assert csf.translated("zh-CN").answer_labels("SOV-3.1") == csf.answer_labels("SOV-3.1")


@pytest.mark.parametrize("chinese", [False, True])
@pytest.mark.parametrize("text, rank", [("3 - 共享控制；服务商持有可越权使用的密钥", 3),
                                        ("3. 共享控制；服务商持有可越权使用的密钥 ", 3),
                                        ("3 - Shared; the provider holds override keys", 3), ("5", 5)])
def test_a_chinese_label_reads_as_its_rank(csf, chinese, text, rank):
    framework_ = csf.translated("zh-CN") if chinese else csf
    bids = read_bid_bytes(csv_text(long_rows({"B": ("V", {"SOV-3.1": text})})).encode(), "bids.csv", framework_)
    assert bids.bids[0].errors == ()
    assert bids.ranks[0, framework_.criterion_index["SOV-3.1"]] == rank


@pytest.mark.parametrize("text", ["3 - 仅由服务商控制", "3 - 共享控制", "1 - 共享控制；服务商持有可越权使用的密钥"])
def test_a_wrong_chinese_label_is_still_contradicted(csf, text):
    bids = read_bid_bytes(csv_text(long_rows({"B": ("V", {"SOV-3.1": text})})).encode(), "bids.csv", csf)
    assert bids.bids[0].invalid
    assert "the label written does not match it" in bids.bids[0].errors[0].message


def test_a_translation_is_applied_by_id_and_falls_back_to_english():
    tiny = load(tiny_with({"title": "微型", "criteria": {"A.1": {"title": "甲", "answers": ["否", "是"]}},
                           "objectives": {"B": {"name": "乙"}}, "level_scale": {"levels": {"L-1": {"name": "部分"}}}}))
    chinese = tiny.translated("zh-CN")
    assert (chinese.title, chinese.criteria[0].title, chinese.criteria[0].question) == ("微型", "甲", "a?")
    assert [a.label for a in chinese.criteria[0].answers] == ["否", "是"]
    assert [a.label for a in chinese.criteria[1].answers] == ["no", "yes"]
    assert [o.name for o in chinese.objectives] == ["Alpha", "乙"]
    assert [level.name for level in chinese.level_scale.levels] == ["none", "部分"]
    assert tiny.level_scale.parse("部分") == 1 and tiny.translated("en") is tiny


@pytest.mark.parametrize("translation, message", [
    ({"criteria": {"C.9": {"title": "丙"}}}, "translations.zh-CN.criteria: C.9 is not in the framework"),
    ({"objectives": {"Z": {"name": "丙"}}}, "translations.zh-CN.objectives: Z is not in the framework"),
    ({"level_scale": {"levels": {"L-7": {"name": "丙"}}}},
     "translations.zh-CN.level_scale.levels: L-7 is not in the framework"),
    ({"weight_profiles": {"odd": "奇"}}, "translations.zh-CN.weight_profiles: odd is not in the framework"),
    ({"criteria": {"A.1": {"answers": ["否", "是", "也许"]}}},
     "translations.zh-CN.criteria.A.1: 3 answer labels for the 2 answers of the criterion"),
    ({"criteria": {"A.1": {"unit": "个"}}},
     "translations.zh-CN.criteria.A.1: a unit for a criterion that is not numeric"),
    ({"criteria": {"A.1": {"titel": "甲"}}}, "titel"),
])
def test_a_translation_naming_what_the_framework_lacks_is_refused(translation, message):
    assert message in refused(tiny_with(translation))


def test_a_translation_into_an_unknown_language_or_english_is_refused():
    data = tiny_with({})
    data["translations"] = {"fr": {"origin": "x"}}
    assert "translations: 'fr' is not a language to translate into (known: zh-CN)" in refused(data)
    data["translations"] = {"en": {"origin": "x"}}
    assert "'en' is not a language to translate into" in refused(data)
    data["translations"] = {"zh-CN": {"title": "无来源"}}
    assert "origin" in refused(data)


def test_validation_messages_are_in_the_active_language():
    data = tiny_with({"criteria": {"A.1": {"answers": ["否"]}}})
    with i18n.using("zh-CN"):
        assert "translations.zh-CN.criteria.A.1：给出了 1 个回答标签，而该评估准则有 2 个回答" in refused(data)
        data = copy.deepcopy(TINY)
        data["weight_profiles"]["even"]["weights"]["B"] = 55
        assert "权重方案 even：权重之和必须为 100；实际为 105" in refused(data)


def test_the_schema_documents_translations():
    schema = Framework.model_json_schema()
    assert "translations" in schema["properties"]
    assert {"origin", "title", "level_scale", "objectives", "criteria", "weight_profiles", "source_wording"} <= \
        set(schema["$defs"]["Translation"]["properties"])
    assert Path(ROOT / "frameworks" / "framework.schema.json").read_text().count('"Translation"') >= 1
