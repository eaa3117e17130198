"""Make ``wqy-microhei-gb2312.ttf`` from Debian's WenQuanYi Micro Hei (a one-off, see README.md).

    cd /tmp && apt-get download fonts-wqy-microhei && dpkg-deb -x fonts-wqy-microhei_*.deb wqy
    pip install fonttools   # only for this script; not a dependency of the platform
    python src/xinyidai/consent/fonts/make_subset.py \
        /tmp/wqy/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

Keeps face 0 of the collection (Micro Hei, proportional) for: printable ASCII, Latin-1
punctuation and signs, general punctuation, CJK symbols and punctuation, fullwidth forms, and
every character of GB2312 (its 6,763 hanzi and 682 symbols), found by decoding every valid
GB2312 byte pair. TrueType outlines are kept (reportlab's TTFont needs them); hinting is
dropped (the PDF is rendered by the reader at any size).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
OUT = HERE / "wqy-microhei-gb2312.ttf"


def gb2312_characters() -> list[str]:
    found = []
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                found.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def codepoints() -> set[int]:
    ranges = [
        (0x20, 0x7E),  # ASCII
        (0xA0, 0xFF),  # Latin-1 signs (¥ · × ° ±)
        (0x2000, 0x206F),  # general punctuation (— … ‰ ※)
        (0x2100, 0x218F),  # letterlike and number forms (№ ℃ Ⅰ)
        (0x2460, 0x24FF),  # enclosed numbers (①)
        (0x25A0, 0x25FF),  # geometric shapes (■ ● ▲)
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0xFF00, 0xFFEF),  # fullwidth and halfwidth forms
    ]
    points = {p for low, high in ranges for p in range(low, high + 1)}
    points |= {ord(c) for c in gb2312_characters()}
    return points


def main(source: str) -> None:
    font = TTCollection(source).fonts[0]
    options = subset.Options()
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]  # keep copyright and licence records
    options.name_languages = ["*"]
    options.notdef_outline = True  # a missing character shows the .notdef box
    options.layout_features = ["kern"]  # Latin kerning; no vertical or locale forms
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(codepoints()))
    subsetter.subset(font)
    font.save(OUT)
    hanzi = sum(1 for c in gb2312_characters() if "\u4e00" <= c <= "\u9fff")
    covered = set(font.getBestCmap())
    print(
        f"{OUT.name}: {OUT.stat().st_size:,} bytes, {len(covered):,} characters, "
        f"{len(font.getGlyphOrder()):,} glyphs, GB2312 hanzi {hanzi:,}"
    )


if __name__ == "__main__":
    main(sys.argv[1])
