"""Turn a plan's text into the other formats airkg reads, inside the tests (no stored fixtures).

Each function takes the text of a ``.txt`` document and returns the bytes of a real file of that format:

* :func:`to_docx`: python-docx; one paragraph per line, and each run of TAB-separated lines as a Word table.
* :func:`to_pdf`: fpdf2 with a CJK TrueType font from Debian (``fonts-wqy-microhei``, installed by
  ``scripts/setup.sh --system``), A4, 11 pt, lines wrapped at any character as Chinese is typeset, so the PDF's
  text layer holds each paragraph as several printed lines that the reader has to join again.
* :func:`to_html`: a government-site style page: ``<p>`` per line with inline ``<span>``/``<strong>`` markup
  and ``&nbsp;``/full-width indents, a ``<table>`` for TAB-separated lines, a navigation bar and a script
  that are not part of the plan, declared ``charset=gb2312`` and encoded in GB18030.
* :func:`to_chromium_pdf`: the same page without the site around it, printed to PDF by headless Chromium
  (justified text, Chromium's own PDF writer and font subsetting).
* :func:`to_gb18030`: the text encoded as GB18030 with CRLF line ends (as Windows editors save it).
"""

from __future__ import annotations

import html
import io
import subprocess
from itertools import groupby
from pathlib import Path

CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)


def cjk_font() -> Path | None:
    """The first CJK font found, or None (then PDF tests skip and say why)."""
    return next((font for font in CJK_FONTS if font.exists()), None)


def _blocks(text: str):
    """(is_table, lines) runs: consecutive TAB-separated lines form a table."""
    return groupby(text.split("\n"), key=lambda line: "\t" in line)


def to_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for is_table, group in _blocks(text):
        lines = list(group)
        if not is_table:
            for line in lines:
                document.add_paragraph(line)
            continue
        rows = [line.split("\t") for line in lines]
        table = document.add_table(rows=len(rows), cols=max(len(row) for row in rows))
        for row, cells in zip(table.rows, rows):
            for cell, value in zip(row.cells, cells):
                cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_pdf(text: str, font: Path) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=11)
    pdf.add_page()
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if "\t" in line:
            _table_row(pdf, line.split("\t"), _column_starts(pdf, lines, index))
        else:
            pdf.multi_cell(0, 6, line or " ", new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
    return bytes(pdf.output())


_TABLE_FONT = 6


def _column_starts(pdf, lines: list[str], index: int) -> list[float]:
    """Where each column of the table holding line ``index`` starts: its widest cell, then a gap."""
    start = index
    while start > 0 and "\t" in lines[start - 1]:
        start -= 1
    end = index
    while end + 1 < len(lines) and "\t" in lines[end + 1]:
        end += 1
    pdf.set_font_size(_TABLE_FONT)
    widths: list[float] = []
    for line in lines[start:end + 1]:
        for column, cell in enumerate(line.split("\t")):
            width = pdf.get_string_width(cell)
            widths[column:column + 1] = [max(widths[column] if column < len(widths) else 0, width)]
    pdf.set_font_size(11)
    starts, x = [], pdf.l_margin
    for width in widths:
        starts.append(x)
        x += width + 12
    return starts


def _table_row(pdf, cells: list[str], starts: list[float]) -> None:
    """A table row as a PDF has it: each cell's text placed at its column (small print, one line; what runs
    past the page edge is still in the text layer)."""
    pdf.set_font_size(_TABLE_FONT)
    for cell, x in zip(cells, starts):
        if cell:
            pdf.set_x(x)
            pdf.cell(pdf.get_string_width(cell), 4, cell, new_x="RIGHT", new_y="TOP")
    pdf.ln(4)
    pdf.set_font_size(11)


def to_html(text: str) -> bytes:
    body = []
    for is_table, group in _blocks(text):
        lines = list(group)
        if is_table:
            rows = "".join(
                "<tr>" + "".join(f"<td><p>{html.escape(cell)}</p></td>" for cell in line.split("\t")) + "</tr>\n"
                for line in lines
            )
            body.append(f'<table border="1"><tbody>\n{rows}</tbody></table>')
            continue
        for line in lines:
            if not line.strip():
                body.append("<p>&nbsp;</p>")
                continue
            head, tail = line[:6], line[6:]
            body.append(f'<p style="text-indent:2em">&nbsp;&nbsp;<span><strong>{html.escape(head)}</strong>'
                        f"</span>{html.escape(tail)}</p>")
    page = (
        '<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>政府信息公开</title><style>p{margin:0}</style></head>\n<body>"
        '<div class="nav"><nav><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a></nav></div>\n'
        '<div class="TRS_Editor">\n' + "\n".join(body) + "\n</div>\n"
        "<script>var 统计 = '访问量';</script><footer>主办单位：某某市人民政府办公室</footer></body></html>"
    )
    return page.encode("gb18030")


def to_chromium_pdf(text: str, chromium: str, work: Path) -> bytes:
    """The text as a plain HTML page (no site navigation or footer) printed to PDF by headless Chromium:
    justified A4 text in the system's CJK font, as a browser or an office suite prints a plan."""
    page = work / "plan.html"
    page.write_bytes(
        b'<!DOCTYPE html><html><head><meta charset="utf-8"><style>p{margin:0;text-align:justify}</style>'
        b"</head><body>" + to_html(text).split(b'<div class="TRS_Editor">', 1)[1].split(b"</div>", 1)[0].decode(
            "gb18030").encode("utf-8") + b"</body></html>"
    )
    out = work / "plan.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={out}", page.as_uri()], check=True, capture_output=True, timeout=120)
    return out.read_bytes()


def to_gb18030(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("gb18030")
