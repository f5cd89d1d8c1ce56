"""The Streamlit stub renders and evaluates the bundled samples in one click."""

from streamlit.testing.v1 import AppTest

from conftest import ROOT


def test_sample_evaluation_is_one_click_away():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    app.button[0].click().run()
    assert not app.exception
    ranking = app.dataframe[0].value
    assert ranking.iloc[0]["bid_id"] == "B-001" and ranking.iloc[0]["rank"] == 1
    assert len(ranking) == 8
    assert [button.label for button in app.get("download_button")] == ["results.json", "results.xlsx", "report.pdf"]
