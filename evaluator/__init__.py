"""Sovereignty Procurement Evaluator: rank cloud bids on digital sovereignty."""

__version__ = "0.1.0"
