"""The Marketplace (the provider registry) as a Streamlit page script (app.py registers it)."""

from evaluator.ui import marketplace

marketplace.page()
