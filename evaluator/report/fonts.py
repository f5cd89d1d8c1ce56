"""The Chinese fonts of the PDFs: Noto Sans CJK SC, cut down once, in setup, to the
characters a Chinese document uses (GB 2312's 6,763 hanzi, CJK punctuation, full-width forms, Latin) and
renumbered, the characters of the message catalogue and the framework files first, so that the glyphs a
document uses sit at low glyph IDs.

Why: WeasyPrint subsets every embedded font but keeps each glyph's ID, so a subset of the full Noto CJK face
(65,535 glyphs, hanzi at high IDs) still carries an entry for every glyph below the highest one used: about
160 KB a face, in every PDF. From the cut-down face, the same subset is a few tens of KB, the
fewer the lower the highest glyph ID used: hence the order. A character outside
it (a vendor's traditional or rare hanzi) falls back to the full Noto Sans CJK SC through the stylesheet's
font-family chain. Run `python3 -m evaluator.report.fonts` (setup.sh does).
"""

import sys
from pathlib import Path

NOTO = Path("/usr/share/fonts/opentype/noto")
ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "templates" / "fonts"
# the texts whose characters come first: whatever the documents say in Chinese comes from these
FIRST = (ROOT / "evaluator" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po",
         *sorted((ROOT / "frameworks").glob("*.yaml")))
# file made -> (the Noto collection, the index of Noto Sans CJK SC in it)
FACES = {"noto-sans-cjk-sc-gb.otf": ("NotoSansCJK-Regular.ttc", 2),
         "noto-sans-cjk-sc-gb-bold.otf": ("NotoSansCJK-Bold.ttc", 2)}
RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x20AC, 0x20AC), (0x2100, 0x218F), (0x2190, 0x21FF),
          (0x2200, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF),
          (0x2700, 0x27BF), (0x3000, 0x303F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))


def characters() -> list[int]:
    """GB 2312's hanzi (its rows 16 to 87) and symbols (rows 1 to 9), and the ranges above."""
    gb2312 = set()
    for row in (*range(0xA1, 0xAA), *range(0xB0, 0xF8)):
        for cell in range(0xA1, 0xFF):
            try:
                gb2312.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return sorted(gb2312 | {code for first, last in RANGES for code in range(first, last + 1)})


def make_fonts(folder: Path = FOLDER) -> list[Path]:
    """The cut-down faces, made where missing or older than the Noto collection they come from or than the
    texts that decide their order."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.reorderGlyphs import reorderGlyphs

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    first = sorted({ord(character) for path in FIRST for character in path.read_text(encoding="utf-8")})
    for name, (collection, index) in FACES.items():
        source, target = NOTO / collection, folder / name
        newest = max(path.stat().st_mtime for path in (source, *FIRST))
        if target.exists() and target.stat().st_mtime >= newest:
            continue
        font = TTFont(source, fontNumber=index)
        options = subset.Options()
        options.name_IDs = ["*"]
        options.notdef_outline = True
        # no substitutions (ligatures, localised or vertical forms): every glyph is a character's, so none that
        # shaping picks sits outside the order below
        options.layout_features = ["kern"]
        options.desubroutinize = True  # each glyph stands alone: reordering cannot mix up subroutines
        options.hinting = False  # a PDF is printed or zoomed, not hinted to a screen's pixels
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=characters())
        subsetter.subset(font)
        reorderGlyphs(font, _order(font.getGlyphOrder(), font.getBestCmap(), first))
        partial = target.with_suffix(".partial")
        font.save(partial)
        partial.replace(target)
        made.append(target)
    return made


def _order(glyphs: list[str], cmap: dict[int, str], first: list[int]) -> list[str]:
    """.notdef, then the glyphs of the `first` characters, then the others as they were."""
    leading = list(dict.fromkeys([glyphs[0], *(cmap[code] for code in first if code in cmap)]))
    chosen = set(leading)
    return leading + [glyph for glyph in glyphs if glyph not in chosen]


if __name__ == "__main__":
    if not NOTO.is_dir():
        sys.exit(f"{NOTO} is missing: install fonts-noto-cjk (setup.sh does)")
    for path in make_fonts():
        print(f"made {path.relative_to(FOLDER.parents[1])} ({path.stat().st_size // 1024} KiB)")
