"""The pure evaluation core: no files, no clock, no UI."""

from evaluator.scoring.evaluate import evaluate

__all__ = ["evaluate"]
