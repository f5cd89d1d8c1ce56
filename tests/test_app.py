"""The language switch (app.py): every page speaks the language the user chose, which the store remembers for
the next session; a first visit follows the browser."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from evaluator import i18n
from evaluator.application import Desk, Store, User
from evaluator.store.database import database_url

from conftest import ROOT

CJK = re.compile("[\u4e00-\u9fff]")


def opened() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def test_a_new_user_sees_english_and_the_switch_offers_both_languages(app_data):
    app = opened()
    switch = app.sidebar.selectbox(key="language")
    assert switch.value == "en" and switch.options == ["English", "简体中文"]
    assert not app.exception and not CJK.search(" ".join(title.value for title in app.title))


def test_the_chosen_language_is_remembered_for_the_next_session(app_data):
    """AppTest formats widget values in the test's thread: the test speaks the page's language too."""
    app = opened()
    app.sidebar.selectbox(key="language").set_value("zh-CN").run()  # sent from the English page
    with i18n.using("zh-CN"):
        officer = i18n._("Procurement officer")
        assert not app.exception and CJK.search(officer) and app.title[0].value == officer
        assert Desk(Store(database_url(app_data)), User.local()).language() == "zh-CN"
        again = opened()  # a new session (a reload): the store's choice, not a default
        assert again.sidebar.selectbox(key="language").value == "zh-CN"
        assert not again.exception and again.title[0].value == officer
        again.sidebar.selectbox(key="language").set_value("en").run()
    assert Desk(Store(database_url(app_data)), User.local()).language() == "en"
    assert again.title[0].value == "Procurement officer"


def test_an_unknown_language_cannot_be_remembered(app_data):
    desk = Desk(Store(database_url(app_data)), User.local())
    with pytest.raises(Exception, match="unknown language"):
        desk.choose_language("fr")
    assert desk.language() is None
