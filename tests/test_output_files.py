"""Writing files to disk: all or none, unique temporary names, nothing partial left."""

import threading

import pytest

from evaluator.errors import ConfigurationError
from evaluator.output_files import write_file, write_files


def test_two_writers_to_one_folder_never_tear_a_file(tmp_path):
    big = {"results.json": b"a" * 4_000_000}, {"results.json": b"b" * 4_000_000}
    threads = [threading.Thread(target=write_files, args=(tmp_path, files)) for files in big * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (tmp_path / "results.json").read_bytes() in (big[0]["results.json"], big[1]["results.json"])
    assert [path.name for path in tmp_path.iterdir()] == ["results.json"]


def test_a_failure_leaves_no_file_of_the_batch_and_no_temporary_file(tmp_path):
    (tmp_path / "letters").write_text("a file where a folder is needed")
    with pytest.raises(ConfigurationError, match="cannot write the results .*no file was left half-written"):
        write_files(tmp_path, {"results.json": b"{}", "letters/B-1.pdf": b"%PDF"})
    assert sorted(path.name for path in tmp_path.iterdir()) == ["letters"]  # results.json was not kept either


def test_kept_files_are_never_overwritten(tmp_path):
    write_file(tmp_path / "submissions" / "abc", b"first", keep_existing=True)
    write_file(tmp_path / "submissions" / "abc", b"second", keep_existing=True)
    assert (tmp_path / "submissions" / "abc").read_bytes() == b"first"
