"""A web address in a label or a finding is shown as text on a reviewer page, never as a link
out: the page stays offline and the run is not refused (hostile corpus U25: a criterion label
holding a URL, turned into a link by the notebook's Markdown, failed the whole run)."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kentaudit.run.reviewer import export_notebook_html, find_external_loads, unlink_external


def _notebook(path: Path, markdown: str) -> Path:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    nb.cells = [new_markdown_cell("# Compliance"),
                new_code_cell("findings", execution_count=1, outputs=[new_output(
                    "display_data", data={"text/markdown": markdown, "text/plain": markdown})])]
    nbformat.write(nb, path)
    return path


def test_a_web_address_in_a_finding_is_text_not_a_link(tmp_path):
    md = "- 80% met 'Plan reviewed (see https://evil.example/x?a=1)' (95% CI 70% to 88%)"
    nb = _notebook(tmp_path / "n.ipynb", md)
    info = export_notebook_html(nb, tmp_path / "n.html")
    page = (tmp_path / "n.html").read_text(encoding="utf-8")
    assert info["external_loads"] == 0 and find_external_loads(page) == []
    assert "evil.example/x" in page  # the address is still shown, as text
    assert 'href="https://evil.example' not in page


def test_only_links_to_other_sites_are_unlinked():
    page = ('<a href="index.html">Index</a> <a href="#t4">Table 4</a> '
            '<a class="x" href="https://evil.example/">https://evil.example/</a> '
            "<a href='//cdn.example/y'>y</a>")
    out = unlink_external(page)
    assert '<a href="index.html">Index</a>' in out and '<a href="#t4">Table 4</a>' in out
    assert "evil.example/" in out and "href=\"https" not in out and "//cdn.example" not in out


def test_resources_that_would_load_are_still_refused_not_unlinked():
    page = '<img alt="x" src="https://example.org/a.png">'
    assert unlink_external(page) == page and find_external_loads(page)
