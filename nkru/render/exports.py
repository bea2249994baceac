"""The table as an SVG image or an HTML page, made for print: black on white, no window frame,
no web font (a report must not fetch anything to show a number)."""

from __future__ import annotations

import re
from typing import Any

PAD = 8  # px of white above and below the table in the SVG (the template's white rect starts at -8)

# Rich's template less the window frame and the Fira Code @font-face (a CDN link): a page that
# prints the table shows the table, in whichever monospace font the reader has.
SVG_FORMAT = """\
<svg class="nkru-table" viewBox="0 0 {width} {terminal_height}" xmlns="http://www.w3.org/2000/svg">
    <style>
    .{unique_id}-matrix {{
        font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;
        font-size: {char_height}px;
        line-height: {line_height}px;
        font-variant-east-asian: full-width;
    }}
    {styles}
    </style>
    <defs>
    <clipPath id="{unique_id}-clip-terminal">
      <rect x="0" y="0" width="{terminal_width}" height="{terminal_height}" />
    </clipPath>
    {lines}
    </defs>
    <rect x="0" y="-8" width="100%" height="100%" fill="#ffffff"/>
    <g transform="translate({terminal_x}, 0)" clip-path="url(#{unique_id}-clip-terminal)">
    {backgrounds}
    <g class="{unique_id}-matrix">
    {matrix}
    </g>
    </g>
</svg>
"""

HTML_FORMAT = """\
<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>nkru</title>
<style>
{stylesheet}
body {{
    color: {foreground};
    background-color: {background};
}}
</style>
</head>
<body>
<pre style="font-family:'DejaVu Sans Mono',Menlo,Consolas,'Courier New',monospace"><code style="font-family:inherit">{code}</code></pre>
</body>
</html>
"""

_VIEWBOX = re.compile(r'viewBox="0 0 (\S+) (\S+)"')


def _light() -> Any:
    from rich.terminal_theme import DEFAULT_TERMINAL_THEME  # white background, black text

    return DEFAULT_TERMINAL_THEME


def svg(recorder: Any) -> str:
    """What `recorder` (a recording Rich Console) printed, as a print-friendly SVG."""
    text: str = recorder.export_svg(theme=_light(), code_format=SVG_FORMAT, font_aspect_ratio=0.6, clear=False)
    # Rich sizes the image for its window frame; the table alone needs its own height and a margin.
    return _VIEWBOX.sub(lambda m: f'viewBox="0 {-PAD} {m[1]} {float(m[2]) + 2 * PAD:g}"', text, count=1)


def html(recorder: Any) -> str:
    """What `recorder` printed, as a print-friendly HTML page with inline styles."""
    text: str = recorder.export_html(theme=_light(), code_format=HTML_FORMAT, inline_styles=True, clear=False)
    return text
