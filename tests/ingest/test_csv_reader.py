"""The CSV reader's quick checks agree with the plain computations they replace."""

from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluator.ingest import csv_reader
from evaluator.ingest.responses import UnreadableFile


@given(st.lists(st.sampled_from([b"a", b"bb", b"\n", b"cccc"]), max_size=60).map(b"".join), st.integers(2, 12))
def test_a_too_long_line_is_found_exactly_when_there_is_one(content, limit):
    with mock.patch.object(csv_reader, "MAX_LINE_BYTES", limit):
        # every line's length with its line break (the last line counts one as well), as the reader measures
        if max(len(line) + 1 for line in content.split(b"\n")) > limit:
            with pytest.raises(UnreadableFile):
                csv_reader._check_line_lengths(content)
        else:
            csv_reader._check_line_lengths(content)


@given(st.text(alphabet="aé,\n€😀", max_size=30))
def test_utf8_text_passes_and_anything_else_is_refused(text):
    content = text.encode()
    assert csv_reader._utf8(content) == content
    broken = content + b"\xff"
    with pytest.raises(UnreadableFile, match="not UTF-8"):
        csv_reader._utf8(broken)
