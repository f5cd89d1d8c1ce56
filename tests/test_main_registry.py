import json
import os

from evaluator.__main__ import main

from conftest import ROOT

REGISTRY = str(ROOT / "samples" / "registry")


def survey(capsys, *arguments) -> tuple[int, list, str]:
    status = main(["registry", "list", *arguments])
    out, err = capsys.readouterr()
    return status, json.loads(out) if out else [], err


def test_the_sample_market_survey(capsys):
    status, rows, err = survey(capsys, "--as-of", "2026-11-26", REGISTRY)
    assert (status, err) == (0, "")
    assert [row["provider"] for row in rows][:2] == ["alpine-sovereign", "nordlys-cloud"]
    assert {"provider", "assessor", "valid_until", "valid", "overall_level", "levels", "score"} <= set(rows[0])
    assert [row["provider"] for row in rows if not row["valid"]] == ["baltic-compute"]


def test_minimum_levels_filter_the_survey_and_weights_change_the_score(capsys):
    _, rows, _ = survey(capsys, "--as-of", "2026-11-26", "--min-level", "2", "--min-level", "SOV-5=3", REGISTRY)
    assert [row["provider"] for row in rows] == ["alpine-sovereign", "carpathia-edge"]
    _, weighted, _ = survey(capsys, "--as-of", "2026-11-26", "--weights", "guidance-2026", REGISTRY)
    assert weighted[0]["score"] != 90.92


def test_a_bad_entry_file_is_named_and_the_others_still_listed(capsys, tmp_path):
    (tmp_path / "good.json").write_bytes((ROOT / "samples" / "registry" / "nordlys-cloud.json").read_bytes())
    (tmp_path / "broken.json").write_text('{"format": "evaluator-registry-entry/1", "provider": ')
    os.symlink("/etc/passwd", tmp_path / "link.json")
    status, rows, err = survey(capsys, "--as-of", "2026-11-26", str(tmp_path))
    assert status == 1
    assert [row["provider"] for row in rows] == ["nordlys-cloud"]
    assert "broken.json: line 2: did not find expected node content" in err and "link.json: not a regular file" in err


def test_the_date_is_required_and_checked(capsys):
    assert main(["registry", "list", REGISTRY]) == 2
    assert main(["registry", "list", "--as-of", "26/11/2026", REGISTRY]) == 2
    assert "is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_control_characters_in_an_entry_cannot_forge_error_lines(capsys, tmp_path):
    forged = {**json.loads((ROOT / "samples" / "registry" / "nordlys-cloud.json").read_text()),
              "x\nerror: alpine-sovereign.json: expired\u001b[2J": 1}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    status, rows, err = survey(capsys, "--as-of", "2026-11-26", str(tmp_path))
    assert (status, rows, err.count("\n")) == (1, [], 1)
    assert "\x1b" not in err and "\\x1b[2J" in err


def test_entries_expiring_within_days(capsys):
    _, rows, _ = survey(capsys, "--as-of", "2026-11-26", "--expiring-within", "60", REGISTRY)
    assert [(row["provider"], row["valid_until"]) for row in rows] == [("iberia-nube", "2027-01-14"),
                                                                       ("lusitania-data", "2026-12-10")]
    _, rows, _ = survey(capsys, "--as-of", "2026-11-26", "--expiring-within", "14", REGISTRY)
    assert [row["provider"] for row in rows] == []
