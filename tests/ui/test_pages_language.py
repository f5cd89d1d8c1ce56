"""The analyst, auditor, evaluation panel, Marketplace and administrator workspaces in Simplified Chinese and in
English (issue 18): headings, buttons, widget labels, table headers and status words follow the page's language;
codes, IDs, widget values and the column names the code reads do not.

AppTest runs the page in a thread of its own, which speaks the session's language (app.py's language switch,
st.session_state["language"]); the test's thread speaks Chinese too where it sets a Chinese page's widgets, as a
browser shows what the page sent (AppTest formats a widget's value with its format_func in the test's thread)."""

import json
import re
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from evaluator import i18n
from evaluator.application import Desk, Store, User

from conftest import CSF_PATH, ROOT, SAMPLES

PAGES = "evaluator/ui/pages"
CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def in_chinese() -> Iterator:
    with i18n.using("zh-CN"):
        yield


def chinese(message: str) -> str:
    """The catalogue's Chinese for an English message; it must be translated."""
    with i18n.using("zh-CN"):
        translated = i18n._(message)
    assert CJK.search(translated), message
    return translated


def workspace(page: str, language: str | None) -> AppTest:
    """app.py with the session's language (the sidebar switch's value; None: the English default), on a page."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if language:
        app.session_state["language"] = language
    app.run()
    return app.switch_page(f"{PAGES}/{page}").run()


def opened_panel_case() -> None:
    """An opened case of the sample panel tender (chair cleo, members ana and ben) with the sample bids."""
    officer = Desk(Store(), User.local())
    case_id = officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                  ("panel-tender.yaml", (SAMPLES / "panel-tender.yaml").read_bytes()))
    officer.add_case_bids(case_id, [(path.name, path.read_bytes()) for path in sorted((SAMPLES / "bids").iterdir())])
    officer.open_case(case_id)


def main_texts(app: AppTest) -> list[str]:
    """The page's main labels (not the sidebar's language switch, "Language · 语言"): headings, captions, buttons,
    widget labels, metric labels, messages and table headers."""
    page = app.main
    texts = [element.value for element in [*page.title, *page.header, *page.subheader, *page.caption, *page.info,
                                            *page.warning, *page.success, *page.error]]
    texts += [button.label for button in [*page.button, *page.get("download_button")]]
    texts += [widget.label for widget in [*page.selectbox, *page.text_input, *page.multiselect, *page.number_input,
                                          *page.checkbox, *page.toggle, *page.date_input]]
    texts += [metric.label for metric in page.metric]
    texts += [str(column) for frame in [*page.dataframe, *page.table] for column in frame.value.columns]
    return texts


def test_the_analyst_workspace_speaks_chinese(app_data, in_chinese):
    analyst = workspace("analyst.py", "zh-CN")
    assert not analyst.exception
    assert analyst.title[0].value == "政策分析员" == chinese("Policy analyst")
    assert analyst.info[0].value == chinese("Or evaluate bids in the officer workspace first, or work on the "
                                            "bundled samples.")
    assert analyst.button(key="analyst-samples").label == "使用内置示例投标"
    analyst.button(key="analyst-samples").click().run()
    assert not analyst.exception
    assert [header.value for header in analyst.header][:3] == [chinese("Weights"), chinese("Minimum levels"),
                                                               chinese("The ranking, before and after")]
    assert analyst.metric[0].label == chinese("Weights total") and analyst.metric[0].value == "100 / 100"
    start = analyst.selectbox(key="start")
    assert start.value == "the tender's weights" and start.format_func(start.value) == "招标文件规定的权重"
    comparison = next(frame.value for frame in analyst.dataframe if "现名次" in frame.value.columns)
    assert list(comparison.columns)[:4] == ["投标", "供应商", "原名次", "现名次"]
    assert set(comparison[chinese("status now")]) <= {"已排名", "已排除", "无效"}  # status words, translated
    assert analyst.code[0].value == "无更改。"
    assert analyst.get("download_button")[0].label == chinese("Download the new tender version (YAML)")
    analyst.number_input(key="weight-the tender's weights-SOV-1").set_value(40.0).run()  # the key stays a code
    assert analyst.error[0].value.startswith("权重合计为 125，而非 100。")


def test_the_auditor_workspace_speaks_chinese(app_data, in_chinese):
    auditor = workspace("auditor.py", "zh-CN")
    assert not auditor.exception
    assert auditor.title[0].value == "审计员" == chinese("Auditor")
    assert auditor.button(key="verify").label == chinese("Verify the audit log")
    assert auditor.info[0].value.startswith("尚未保存任何评估")
    auditor.button(key="verify").click().run()
    assert CJK.search(auditor.success[0].value)


def test_the_auditor_shows_the_case_history_translated_and_the_entries_as_stored(app_data, in_chinese):
    opened_panel_case()
    auditor = workspace("auditor.py", "zh-CN")
    assert not auditor.exception
    assert chinese("Tender case history") in [subheader.value for subheader in auditor.subheader]
    history = next(frame.value for frame in auditor.dataframe if "事项" in frame.value.columns)
    assert list(history.columns) == ["序号", "时间", "操作人", "事项", "原因", "详情", "哈希值"]
    kinds = list(history["事项"])  # audit entry kinds, translated
    assert (kinds[0], set(kinds[1:-1]), kinds[-1]) == ("创建招标案件", {"添加投标"}, "开标")
    assert json.loads(auditor.json[0].value)["what"] == "case opened"  # the latest entry in full, as stored
    auditor.text_input(key="audit-filter").set_value("开标").run()  # found by the kind as shown
    assert len(next(frame.value for frame in auditor.dataframe if "事项" in frame.value.columns)) == 1
    assert any(button.label == "下载案卷（.zip）" for button in auditor.get("download_button"))


def test_the_panel_workspace_speaks_chinese(app_data, in_chinese):
    opened_panel_case()
    panel = workspace("panel.py", "zh-CN")
    assert not panel.exception
    assert panel.title[0].value == "评估小组" == chinese("Evaluation panel")
    panel.selectbox(key="act-as").set_value("ana").run()
    assert [header.value for header in panel.header] == ["利益冲突申报"]
    assert any("已开标" in caption.value and caption.value.endswith("您是小组成员。") for caption in panel.caption)
    assert panel.button(key="declare").label == "申报"
    panel.checkbox(key="declare-sure").check().run()
    panel.button(key="declare").click().run()
    assert panel.success[0].value == "申报已记录：不存在利益冲突。"
    bids = panel.table[0].value
    assert list(bids.columns) == ["投标", "供应商", "您的评定"] and set(bids["您的评定"]) == {"待完成"}
    assert panel.header[0].value == chinese("Your bids")
    panel.selectbox(key="panel-bid").set_value("B-004").run()
    assert panel.subheader[0].value == "评定 B-004"
    assert panel.button(key="submit-assessment").label == "提交我对 B-004 的评定（最终结果）"
    panel.button(key="submit-assessment").click().run()
    assert panel.success[0].value == "您对 B-004 的评定已提交。"


@pytest.mark.parametrize("page", ["analyst.py", "framework_editor.py", "auditor.py", "panel.py", "marketplace.py",
                                  "admin.py"])
def test_the_english_workspaces_show_no_chinese(app_data, page):
    opened_panel_case()
    app = workspace(page, None)
    assert not app.exception
    if page == "analyst.py":
        app.button(key="analyst-samples").click().run()
    if page == "framework_editor.py":
        app.button(key="editor-start").click().run()
    if page == "panel.py":
        app.selectbox(key="act-as").set_value("ana").run()
    texts = main_texts(app)
    assert len(texts) > 3 and not [text for text in texts if CJK.search(text)]
    assert not [box.value for box in app.sidebar.info if CJK.search(box.value)]  # the local mode's label


def test_the_marketplace_and_the_administrator_workspace_speak_chinese(app_data, in_chinese):
    market = workspace("marketplace.py", "zh-CN")
    assert not market.exception and market.title[0].value == "服务市场" == chinese("Marketplace")
    market.button(key="market-samples").click().run()
    assert market.success[0].value == "已登记 8 个示例服务商。"
    assert market.subheader[0].value == "共 8 个服务商，显示 8 个"
    survey = next(frame.value for frame in market.dataframe if "服务商" in frame.value.columns)
    assert {"名称", "得分 %", "总体等级", "SOV-1", "评定类型", "有效期至"} <= set(survey.columns)  # IDs stay
    assert set(survey["评定类型"]) <= {chinese(kind) for kind in ("self-assessment", "third-party assessment",
                                                                  "authorised (panel)")}
    minimum = market.selectbox(key="market-min-SOV-1")
    assert minimum.value == "any" and minimum.format_func(minimum.value) == "不限"  # the value stays a code
    minimum.set_value("SEAL-3").run()
    assert not market.exception and market.subheader[0].value.startswith("共 8 个服务商，显示 ")
    assert chinese("Monitoring") in [header.value for header in market.header]
    admin = workspace("admin.py", "zh-CN")
    assert not admin.exception and admin.title[0].value == "系统管理员" == chinese("Administrator")
    assert [subheader.value for subheader in admin.subheader][:2] == ["用户", "添加用户，或分配角色和授权"]
    assert set(admin.multiselect(key="user-roles").options) == {"officer", "analyst", "auditor", "evaluator", "admin"}


def test_the_framework_editor_speaks_chinese(app_data, in_chinese):
    editor = workspace("framework_editor.py", "zh-CN")
    assert not editor.exception and editor.title[0].value == chinese("Framework editor")
    editor.button(key="editor-start").click().run()
    assert not editor.exception
    assert [header.value for header in editor.header][:2] == [chinese("1. The new version"), chinese("2. Changes")]
    assert editor.metric[0].label == chinese("Weights total")
    texts = main_texts(editor)
    assert not [text for text in texts if text and not CJK.search(text) and " " in text and text[0].isupper()]
