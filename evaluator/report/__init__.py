"""Renderers: an Evaluation in, bytes out. They format; they decide nothing."""

DATA_FORMATS = ("json", "xlsx", "robustness")
PDF_FORMATS = ("pdf", "summary")
OUTPUT_FORMATS = (*DATA_FORMATS, *PDF_FORMATS)
