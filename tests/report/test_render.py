"""Rendering in child processes: shared between two when the documents allow it, in the documents' order."""

from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from evaluator.report import render
from evaluator.report.render import PER_DOCUMENT, SHARE_FLOOR, SIBLING_START, RenderWorker, _shares

html_sizes = st.lists(st.integers(1, 100_000), max_size=30)


@given(html_sizes)
def test_the_shares_split_every_document_once_and_fairly(sizes):
    documents = ["x" * n for n in sizes]
    lengths = [n + PER_DOCUMENT for n in sizes]  # the work each document stands for
    with mock.patch.object(render.os, "sched_getaffinity", return_value={0, 1}):
        shares = _shares(documents)
    if shares is None:
        return
    mine, theirs = shares
    assert sorted(mine + theirs) == list(range(len(documents))) and mine == sorted(mine) and theirs == sorted(theirs)
    assert sum(lengths[i] for i in theirs) >= SHARE_FLOOR * sum(lengths)
    # the second child got its last (smallest) document only while it was behind: it finishes no later than
    # this worker by more than that document
    assert sum(lengths[i] for i in mine) >= SIBLING_START + sum(lengths[i] for i in theirs) - \
        min(lengths[i] for i in theirs)


def test_a_report_with_letters_is_shared_and_a_report_with_its_summary_is_not():
    report, summary, letter = "r" * 270_000, "s" * 8_000, "l" * 5_000
    with mock.patch.object(render.os, "sched_getaffinity", return_value={0, 1}):
        mine, theirs = _shares([report, summary] + [letter] * 50) or ([], [])
        assert 0 in mine and 1 in theirs and len(theirs) > 25  # the report here, most letters there
        assert _shares([report, summary]) is None  # 3 % of the work is not worth a second process
        assert _shares([letter]) is None


def test_one_core_renders_alone():
    with mock.patch.object(render.os, "sched_getaffinity", return_value={0}):
        assert _shares(["<p>a</p>", "<p>b</p>"]) is None


def test_shared_documents_come_back_in_their_order_with_the_same_bytes():
    documents = [f"<h1>Letter {n}</h1>" + "<p>words</p>" * 2000 for n in range(4)]  # 4 × 24 KB
    with mock.patch.object(render.os, "sched_getaffinity", return_value={0, 1}):
        assert _shares(documents) is not None
        alone, shared = RenderWorker(), RenderWorker()
        try:
            assert shared.render(documents) == alone._render_alone(documents)
        finally:
            alone.close()
            shared.close()
