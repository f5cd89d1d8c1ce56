"""The analyst's framework editor as a Streamlit page script (app.py registers it)."""

from evaluator.ui import framework_editor

framework_editor.page()
