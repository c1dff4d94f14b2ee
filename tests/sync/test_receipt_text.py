"""A receipt document as the paper roll's lines (``sync.receipt.text``) is what the
printer prints: for any document, its lines are the lines the ESC/POS encoder sends,
read back by the decoder, at both widths of paper."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.config import PrinterProfile
from drivers.printer.decode import decode
from drivers.printer.escpos import Encoder
from sync.receipt.document import Align, Block, Columns, Cut, Document, Feed, QrCode, Rule, Text
from sync.receipt.text import paper_lines, plain_text

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789,.:€é ", min_size=0, max_size=90)
SIZE = st.integers(min_value=1, max_value=2)
BLOCKS: st.SearchStrategy[Block] = st.one_of(
    st.builds(Text, WORDS, st.booleans(), SIZE, SIZE, st.sampled_from(list(Align))),
    st.builds(Columns, WORDS, st.text(alphabet="0123456789,€ -", max_size=20), st.booleans()),
    st.builds(Rule, st.sampled_from(["-", "=", "*"])),
    st.builds(Feed, st.integers(min_value=0, max_value=3)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(BLOCKS, max_size=12), st.sampled_from([42, 48]))
def test_the_lines_are_the_printers(blocks: list[Block], columns: int) -> None:
    document = Document((*blocks, Cut()))
    profile = PrinterProfile(columns=columns)  # type: ignore[arg-type]
    printed = [line.text.rstrip() for line in decode(Encoder(profile).encode(document)).lines]
    shown = [line.text.strip() for line in paper_lines(document, columns) if not line.cut]
    assert [p.strip() for p in printed if p.strip()] == [s for s in shown if s]
    for line in paper_lines(document, columns):  # nothing runs past the paper's edge
        assert len(line.text) * line.width <= columns


def test_a_qr_code_and_a_cut_have_lines_of_their_own() -> None:
    lines = paper_lines(Document((Text("A"), QrCode("T1:2:abc"), Text("B"), Cut())), 48)
    assert [line.qr for line in lines] == [None, "T1:2:abc", None, None]
    assert lines[-1].cut and plain_text(lines) == "A\n[T1:2:abc]\nB"
    centred = paper_lines(Document((Text("DUPLICATA", width=2, align=Align.CENTER),)), 48)
    assert centred[0].text == "DUPLICATA".center(24).rstrip() and centred[0].width == 2
