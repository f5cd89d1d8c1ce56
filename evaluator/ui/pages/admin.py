"""The administrator workspace as a Streamlit page script (app.py registers it)."""

from evaluator.ui import admin

admin.page()
