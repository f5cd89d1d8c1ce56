"""A column of cell texts as integer codes plus its distinct stripped values.

Bid files repeat the same few texts (bid IDs, criterion IDs, answers) on thousands of rows, so every check
works on the codes, and each distinct text is stripped and parsed once.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

SMALL = 2000  # rows


@dataclass(frozen=True)
class Column:
    codes: np.ndarray  # int64, one per row: index into `values`
    values: list[str]  # distinct texts, stripped

    @classmethod
    def of(cls, cells) -> "Column":
        """From any sequence of cells. Long columns go through pandas; a workbook's few dozen rows are
        quicker with a dict (pandas' fixed cost per call is larger than the work)."""
        if len(cells) > SMALL:
            raw_codes, raw_values = pd.factorize(cells if isinstance(cells, pd.Series) else
                                                 pd.Series(cells, dtype=object), use_na_sentinel=False)
            cells, mapping = raw_values, raw_codes
        else:
            mapping = None
        index: dict[str, int] = {}
        codes = np.fromiter((index.setdefault("" if cell is None else str(cell).strip(), len(index))
                             for cell in cells), np.int64, count=len(cells))
        return cls(codes if mapping is None else codes[mapping], list(index))

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
