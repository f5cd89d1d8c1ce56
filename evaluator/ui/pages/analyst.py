"""The analyst workspace as a Streamlit page script (app.py registers it)."""

from evaluator.ui import analyst

analyst.page()
