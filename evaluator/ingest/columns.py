"""A column of cell texts as integer codes plus its distinct stripped values.

Bid files repeat the same few texts (bid IDs, criterion IDs, answers) on thousands of rows, so every check
works on the codes, and each distinct text is stripped and parsed once.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Column:
    codes: np.ndarray  # int64, one per row: index into `values`
    values: list[str]  # distinct texts, stripped

    @classmethod
    def of(cls, cells) -> "Column":
        raw_codes, raw_values = pd.factorize(pd.Series(cells, dtype=object) if not isinstance(cells, pd.Series)
                                             else cells, use_na_sentinel=False)
        stripped = np.array(["" if value is None else str(value).strip() for value in raw_values], dtype=object)
        codes, values = pd.factorize(stripped, use_na_sentinel=False)
        return cls(codes[raw_codes] if len(raw_codes) else np.zeros(0, np.int64), list(values))

    def text(self, row: int) -> str:
        return self.values[self.codes[row]]

    def given(self) -> np.ndarray:
        """True on rows whose text is not empty."""
        empty = self.values.index("") if "" in self.values else -1
        return self.codes != empty

    def objects(self, rows: np.ndarray) -> np.ndarray:
        """The texts of the chosen rows as an object array, with None for empty cells."""
        return np.array([value or None for value in self.values], dtype=object)[self.codes[rows]]

    def mapped(self, parse) -> np.ndarray:
        """Parse each distinct value once; returns the per-row results as an object array."""
        return np.array([parse(value) for value in self.values] or [None], dtype=object)[self.codes]
