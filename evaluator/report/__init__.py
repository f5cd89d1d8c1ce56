"""Renderers: an Evaluation in, bytes out. They format; they decide nothing."""
