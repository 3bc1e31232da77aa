"""Nothing runs past the printed page: every character of the PDF the runner writes lies within
its page (a table with more columns than the page is wide used to run past the right edge:
2013's Table 16, 23 columns, lost its last five; PDFium still reads clipped text, so the check
is on the characters' boxes, not on the text).

Read with PDFium from ``publish/appendix.pdf`` of the default cycles (run once per session,
tests/conftest.py).
"""
import pytest

pdfium = pytest.importorskip("pypdfium2")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cycles")]


def outside_the_page(path, slack: float = 0.5) -> dict:
    """``{page number: characters drawn beyond the page's left or right edge}``."""
    doc = pdfium.PdfDocument(str(path))
    try:
        out = {}
        for i in range(len(doc)):
            page = doc[i]
            width, _ = page.get_size()
            text = page.get_textpage()
            boxes = [text.get_charbox(k) for k in range(text.count_chars())]
            n = sum(1 for left, _, right, _ in boxes if right > width + slack or left < -slack)
            if n:
                out[i + 1] = n
        return out
    finally:
        doc.close()


@pytest.mark.parametrize("which", ["2009", "2013"])
def test_no_character_of_the_pdf_lies_beyond_its_page(which, request):
    pdf = request.getfixturevalue(f"cycle_{which}")["cycle_dir"] / "publish" / "appendix.pdf"
    if not pdf.exists():
        pytest.skip("no PDF engine on this machine (the run says so)")
    assert outside_the_page(pdf) == {}
