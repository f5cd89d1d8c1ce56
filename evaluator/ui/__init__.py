"""Streamlit pages. They wire forms to the service layer and show its results; they decide nothing."""
