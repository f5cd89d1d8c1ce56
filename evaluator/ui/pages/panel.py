"""The evaluation panel workspace as a Streamlit page script (app.py registers it)."""

from evaluator.ui import panel

panel.page()
