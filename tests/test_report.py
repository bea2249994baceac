"""`nkru report`: one self-contained HTML page (or Markdown with its charts beside it), built
from the commands' own tables; escaped, offline, readable, and matplotlib only where it is used."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nkru.render.report import BACKGROUND, TEXT, cell_html, sheet_html
from nkru.render.sheets import Sheet

from .conftest import ROOT, edit, run


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report") / "r.html"
    result = run("report", "--output", str(path))
    assert (result.exit_code, result.stderr) == (0, f"wrote {path}\n")
    return path.read_text(encoding="utf-8")


def test_the_page_reads_in_order_answer_first(page: str):
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == ["The answer", "nkru deal-value", "nkru casualties", "The claims audit", "Bands", "Charts", "Sources",
                        "Reproducing this report"]
    assert page.startswith("<!DOCTYPE html>") and page.count("<table>") >= 10


def test_the_charts_are_inline_svg_with_captions(page: str):
    assert page.count("<svg ") == 3 and page.count("</svg>") == 3
    assert page.count("<figure>") == 3 and page.count("<figcaption>") == 3
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<metadata>" not in page
    assert page.count('role="img"') == 3


def test_nothing_in_the_page_is_fetched(page: str):
    # Links only within the page; no src, no url(), no @import; a policy that forbids the rest.
    assert re.findall(r'href="([^"#][^"]*)"', page) == []
    assert " src=" not in page and "@import" not in page
    assert set(re.findall(r"url\(([^)]*)\)", page)) and all(target.startswith("#") for target in re.findall(r"url\(([^)]*)\)", page))
    assert "default-src 'none'" in page


def test_the_reproducibility_record_reruns_it(page: str):
    from nkru import __version__

    assert f"<dd><code>{__version__}</code></dd>" in page
    assert "<code>nkru report --simulate 20000 --seed 0</code>" in page
    assert re.search(r"Data digest.*?<code>[0-9a-f]{64}</code>", page)


def test_every_citation_links_to_a_listed_source(page: str):
    cited = set(re.findall(r'href="#source-(\d+)"', page))
    listed = set(re.findall(r'<li id="source-(\d+)">', page))
    assert cited and cited <= listed


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, page: str):
    again = tmp_path / "again.html"
    assert run("report", "--output", str(again)).exit_code == 0
    assert again.read_text(encoding="utf-8") == page


def test_data_text_is_escaped_everywhere(data_copy: Path, tmp_path: Path):
    edit(data_copy / "sources.yaml", "title: The message North Korea sends by rotating its troops in Russia",
         "title: \"<script>alert('x')</script> & [citation needed]\"")
    edit(data_copy / "model.yaml", "label: often combat-ineffective", "label: \"often <script>y</script> & combat-ineffective\"")  # in a chart's legend too
    out = tmp_path / "r.html"
    result = run("report", "--data", str(data_copy), "--set", "troops=12000", "--simulate", "100", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; [citation needed]" in page
    assert "often &lt;script&gt;y&lt;/script&gt; &amp; combat-ineffective" in page.split("<h2>Charts</h2>")[1]


def test_each_source_is_listed_once_by_its_number(page: str):
    numbers = re.findall(r'<li id="source-(\d+)">', page)
    assert numbers == sorted(set(numbers), key=int)


def test_a_run_without_ranges_still_draws_every_chart(tmp_path: Path):
    out = tmp_path / "r.html"
    result = run("report", "--set", "troops=11000", "--set", "monthly_pay_usd=2000", "--set", "losses=3800", "--simulate", "100", "--output", str(out))
    assert (result.exit_code, result.stderr) == (0, f"wrote {out}\n")
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg ") == 3 and "no input has a range in this run" in page


def test_a_sheet_is_a_table_with_its_alignment_and_status():
    s = Sheet("T <1>", ("Claim", "Value", "Status"), [("a [2]", "5 < 6", "unexplained\nneeds x = 1")], frozenset({"Value"}), "note & more")
    assert sheet_html(s) == (
        "<table>\n<caption>T &lt;1&gt;</caption>\n"
        '<thead><tr><th scope="col">Claim</th><th scope="col" class="num">Value</th><th scope="col">Status</th></tr></thead>\n<tbody>\n'
        '<tr><td>a <a href="#source-2">[2]</a></td><td class="num">5 &lt; 6</td><td class="unexplained">unexplained<br>needs x = 1</td></tr>\n'
        '</tbody></table>\n<p class="note">note &amp; more</p>'
    )
    assert cell_html('say "no" & <b>') == "say &quot;no&quot; &amp; &lt;b&gt;"


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio of two sRGB colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-failing grey


@pytest.mark.parametrize("name", sorted(TEXT))
def test_every_text_colour_reads_against_the_page_and_the_table_heads(name: str):
    assert contrast(TEXT[name], BACKGROUND) >= 4.5
    assert contrast(TEXT[name], "#f2f2f2") >= 4.5  # th's background


def test_every_colour_the_css_gives_text_is_one_tested(page: str):
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style
    text_colours = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", style.group(1)))
    assert text_colours <= set(TEXT.values())


def test_markdown_writes_its_charts_beside_it(tmp_path: Path):
    out = tmp_path / "r.md"
    result = run("report", "--output", str(out), "--simulate", "2000")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [f"wrote {tmp_path / f'r-{n}.svg'}" for n in (1, 2, 3)] + [f"wrote {out}"]
    text = out.read_text(encoding="utf-8")
    assert re.findall(r"\]\((r-\d\.svg)\)", text) == ["r-1.svg", "r-2.svg", "r-3.svg"]
    assert text.startswith("# nkru report\n\n## The answer") and "| Claim | Stated |" in text
    assert (tmp_path / "r-1.svg").read_text(encoding="utf-8").startswith("<svg ")


def test_a_refused_chart_file_leaves_nothing_written(tmp_path: Path):
    (tmp_path / "r-3.svg").write_text("mine", encoding="utf-8")
    result = run("report", "--output", str(tmp_path / "r.md"), "--simulate", "100")
    assert result.exit_code == 2 and result.stderr.startswith(f"Error: --output {tmp_path / 'r-3.svg'}: ")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r-3.svg"]


def test_markdown_needs_a_file():
    result = run("report", "--format", "md")
    assert (result.exit_code, result.stderr) == (2, "Error: --format markdown writes its charts beside the document: give --output FILE.md\n")


def test_an_unknown_format_is_refused():
    result = run("report", "--format", "pdf")
    assert (result.exit_code, result.stderr) == (2, "Error: --format pdf: use html or markdown (md)\n")


def test_an_existing_file_is_kept_without_force(tmp_path: Path):
    out = tmp_path / "r.html"
    out.write_text("mine", encoding="utf-8")
    result = run("report", "--output", str(out), "--simulate", "100")
    assert result.exit_code == 2 and result.stderr.startswith(f"Error: --output {out}: ")
    assert out.read_text(encoding="utf-8") == "mine"


def _modules_after(*args: str) -> list[str]:
    code = (
        "import sys\nfrom nkru.cli import main\nsys.argv = ['nkru', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(repr(sorted(m for m in sys.modules if m.partition('.')[0] == 'matplotlib')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=True, timeout=60)
    return ast.literal_eval(done.stderr.splitlines()[-1])


def test_deal_value_never_imports_matplotlib():
    assert _modules_after("deal-value") == []


def test_report_does(tmp_path: Path):
    assert "matplotlib" in _modules_after("report", "--simulate", "100", "--output", str(tmp_path / "r.html"))
