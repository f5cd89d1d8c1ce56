"""The pure evaluation core: no files, no clock, no UI."""

from evaluator.scoring.combined import CapabilityPart, capability_part, evaluate_combined
from evaluator.scoring.evaluate import evaluate

__all__ = ["evaluate", "evaluate_combined", "capability_part", "CapabilityPart"]
