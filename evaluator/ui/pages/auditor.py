"""The auditor workspace as a Streamlit page script (app.py registers it)."""

from evaluator.ui import auditor

auditor.page()
