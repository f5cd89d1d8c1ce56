"""The procurement officer workspace in Simplified Chinese and in English (issue 18): headings, buttons, widget
labels, table headers and status words follow the page's language; codes, IDs and file names do not.

AppTest runs the page in a thread of its own, so the page speaks the session's language (app.py's language
switch, st.session_state["language"]); the test's own thread speaks it too, as a browser shows what the page
sent: AppTest formats a widget's value with the widget's format_func in the test's thread to send it back."""

import re
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from evaluator import i18n
from evaluator.application import Desk, Store, User, wait_for_reports
from evaluator.store.database import database_url

from conftest import ROOT

CJK = re.compile("[\u4e00-\u9fff]")


def officer(language: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["language"] = language  # what the sidebar's language switch holds
    return app.run()


def evaluated(app: AppTest) -> AppTest:
    """A case from the bundled tender with the bundled sample bids, opened and evaluated."""
    app.button(key="create-case").click().run()
    app.button(key="samples").click().run()
    app.button(key="open").click().run()
    app.button(key="evaluate").click().run()
    assert not app.exception
    return app


def chinese(message: str) -> str:
    with i18n.using("zh-CN"):
        return i18n._(message)


def shown_texts(app: AppTest) -> list[str]:
    """The page's main labels (not the sidebar's language switch, "Language · 语言"): headings, buttons, widget
    labels and the options of settings, metric labels and table headers."""
    page = app.main
    texts = [element.value for element in [*page.title, *page.header, *page.subheader]]
    texts += [button.label for button in [*page.button, *page.get("download_button")]]
    widgets = [*page.selectbox, *page.radio, *page.text_input, *page.multiselect, *page.select_slider, *page.toggle,
               *page.slider]
    texts += [widget.label for widget in widgets]
    texts += [option for widget in widgets if widget.key in ("new-source", "unknown", "formula", "ties")
              for option in widget.options]  # not the options naming bids: a vendor's name may be Chinese
    texts += [metric.label for metric in page.metric]
    texts += [str(column) for frame in [*page.dataframe, *page.table] for column in frame.value.columns]
    return texts


@pytest.fixture
def in_chinese() -> Iterator:
    with i18n.using("zh-CN"):
        yield


def test_the_officer_page_speaks_chinese(app_data, in_chinese):
    app = officer("zh-CN")
    assert not app.exception
    assert app.title[0].value == "采购专员" == chinese("Procurement officer")
    assert app.info[0].value.startswith("尚无招标案件")
    assert [header.value for header in app.header][:1] == ["1. 招标案件"]
    assert app.button(key="create-case").label == "创建招标案件"
    assert app.radio(key="new-source").options == ["内置招标", "招标 YAML 文件"]
    assert app.radio(key="new-source").value == "A bundled tender"  # the value stays a code
    evaluated(app)
    assert app.button(key="evaluate").label == "评估" == chinese("Evaluate")
    assert app.success[0].value.startswith("评估完成：已保存为评估 ")
    headers = [header.value for header in app.header]
    assert headers == ["1. 招标案件", "2. 招标", "3. 投标", "4. 开标与评估", "评估结果", "5. 授标与结果通知函"]
    assert [metric.label for metric in app.metric] == ["投标数", "已排名", "已排除", "无效"]
    assert [metric.value for metric in app.metric] == ["8", "6", "1", "1"]
    assert any(box.value.startswith("建议授标：B-001（Nordlicht Cloud GmbH），总分 84.9853") for box in app.success)
    ranking = next(frame.value for frame in app.dataframe if "总分" in frame.value.columns)
    assert list(ranking.columns)[:4] == ["名次", "投标", "供应商", "状态"]
    assert ranking.iloc[0]["投标"] == "B-001" and ranking.iloc[0]["状态"] == "已排名"  # a status word, translated
    assert set(ranking["状态"]) == {"已排名", "已排除", "无效"}
    gate = next(frame.value for frame in app.dataframe if "SOV-3" in frame.value.columns)  # IDs stay
    assert gate.index[0] == "要求等级" and gate.loc["要求等级", "SOV-3"] == "SEAL-2"  # codes stay
    assert app.radio(key="unknown").options == ["保守", "与欧盟委员会计算器一致", "严格"]
    assert app.radio(key="unknown").value == "conservative"
    assert app.multiselect(key="ties").options == ["总体等级较高者优先", "主权得分较高者优先", "价格较低者优先"]
    assert any("四眼原则" in box.value for box in app.info)
    assert app.get("download_button")[0].label == "下载招标文件（YAML）"
    assert all(CJK.search(header.value) for header in [*app.header, *app.subheader])
    # Evaluate ran in a widget callback, before the page set its language: the evaluation (its PDFs, its reasons)
    # is in the session's language all the same, recorded in its request
    wait_for_reports()
    evaluations = Desk(Store(database_url(app_data)), User.local()).evaluations()
    assert [row["request"].language for row in evaluations] == ["zh-CN"]


def test_the_english_officer_page_shows_no_chinese(app_data):
    app = evaluated(officer("en"))
    assert app.title[0].value == "Procurement officer" and app.button(key="evaluate").label == "Evaluate"
    texts = shown_texts(app)
    assert "Results" in [header.value for header in app.header] and "total" in texts and "rank" in texts
    assert not [text for text in texts if CJK.search(text)]
    assert not [caption.value for caption in app.caption if CJK.search(caption.value)]
    ranking = next(frame.value for frame in app.dataframe if "total" in frame.value.columns)
    assert set(ranking["status"]) == {"ranked", "excluded", "invalid"}


def test_unsaved_choices_survive_a_language_switch(app_data):
    """Options shown translated (format_func) keep their codes when the user switches the language."""
    app = officer("en")
    app.button(key="create-case").click().run()
    app.radio(key="unknown").set_value("strict").run()
    app.multiselect(key="ties").set_value(["price"]).run()
    app.selectbox(key="formula").set_value("linear").run()
    app.sidebar.selectbox(key="language").set_value("zh-CN").run()  # the browser still holds the English labels
    assert not app.exception
    with i18n.using("zh-CN"):
        assert app.title[0].value == "采购专员"
        assert app.radio(key="unknown").value == "strict" and app.multiselect(key="ties").value == ["price"]
        assert app.selectbox(key="formula").value == "linear"
        assert app.multiselect(key="ties").options[2] == "价格较低者优先"
        assert any(box.value.startswith("表单与已保存的招标不同（未保存）") for box in app.warning)
        app.run()
        assert app.multiselect(key="ties").value == ["price"] and not app.exception
