"""The officer workspace as a Streamlit page script (app.py registers it)."""

from evaluator.ui import officer

officer.page()
