"""The cut-down Chinese faces of the PDFs (evaluator/report/fonts.py)."""

from pathlib import Path

import pytest

from evaluator.report import fonts


def test_the_faces_cover_gb2312_and_latin_but_not_traditional_hanzi():
    covered = set(map(chr, fonts.characters()))
    assert {"华", "为", "云", "权", "€", "A", "é", "，", "（"} <= covered and "華" not in covered
    assert len([c for c in covered if "\u4e00" <= c <= "\u9fff"]) == 6763


def test_the_characters_of_the_catalogue_and_frameworks_come_first():
    glyphs = [".notdef", "a", "b", "c", "d"]
    assert fonts._order(glyphs, {ord("x"): "c", ord("y"): "a"}, [ord("x"), ord("y"), ord("z")]) == \
        [".notdef", "c", "a", "b", "d"]


@pytest.mark.skipif(not (fonts.FOLDER / "noto-sans-cjk-sc-gb.otf").exists(), reason="setup.sh makes the faces")
def test_the_made_face_puts_the_catalogue_first():
    from fontTools.ttLib import TTFont

    font = TTFont(fonts.FOLDER / "noto-sans-cjk-sc-gb.otf")
    order, cmap = {name: gid for gid, name in enumerate(font.getGlyphOrder())}, font.getBestCmap()
    catalogue = Path(fonts.FIRST[0]).read_text(encoding="utf-8")
    used = {ord(c) for c in catalogue if "\u4e00" <= c <= "\u9fff"}
    assert max(order[cmap[code]] for code in used) < len(used) + 500 < len(order) // 4
