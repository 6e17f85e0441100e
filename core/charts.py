"""Small charts drawn as inline SVG on the server: stacked bars, lines and a ranking.

Pure: no Django, no settings. Text (titles, labels, series names) is escaped here, so a source
or a topic word named `<script>` is shown, never run. The SVG is styled by attributes only (the
admin's Content-Security-Policy allows no inline style); text and axes use `currentColor`, so a
chart follows the page's light or dark colours. Each chart carries its numbers as `rows` too,
for the visually hidden table that screen readers read beside it.
"""

from dataclasses import dataclass, field
from html import escape
from math import ceil, floor, log10

# Drawn small, so that scaled to a phone's width the text is still about 9 px high.
WIDTH, HEIGHT = 480, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 56, 30
# Mid-tone colours (Tableau 10) that read on a light and on a dark page alike.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#9c755f")
MAX_X_LABELS = 7
LEGEND_ROW = 18


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]
    colour: str = ""


@dataclass(frozen=True)
class Chart:
    """A title, one label per x position (days, weeks, words) and the series drawn over them."""

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "bars"  # "bars" (stacked), "lines" or "ranking" (horizontal bars, one series)
    colours: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        colours = tuple(s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(self.series))
        object.__setattr__(self, "colours", colours)

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The numbers by label, one value per series: the chart as a table."""
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]

    @property
    def svg(self) -> str:
        draw = {"bars": _bars, "lines": _lines, "ranking": _ranking}[self.kind]
        return _frame(self, draw(self))


def ticks(top: int) -> list[int]:
    """Round steps from 0 to at least `top` (1, 2 or 5 times a power of ten), about four."""
    top = max(top, 1)
    raw = top / 4
    magnitude = 10 ** floor(log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(ceil(top / step) + 1)]


def description(chart: Chart) -> str:
    """What the chart shows in a sentence: its span and each series' total (or last value)."""
    if not chart.labels:
        return "No data yet."
    if chart.kind == "ranking":
        parts = [f"{label}: {values[0]:,}" for label, values in chart.rows]
        return "; ".join(parts) + "."
    span = chart.labels[0] if len(chart.labels) == 1 else f"{chart.labels[0]} to {chart.labels[-1]}"
    if chart.kind == "lines":
        parts = [f"{s.name} {s.values[-1]:,}" for s in chart.series]
        return f"{span}. At the end: " + ", ".join(parts) + "."
    parts = [f"{s.name} {sum(s.values):,}" for s in chart.series]
    return f"{span}. In all: " + ", ".join(parts) + "."


def _frame(chart: Chart, body: list[str]) -> str:
    """The <svg> element: <title> and <desc> for assistive technology, a visible title and the
    legend, then the drawing (moved down by the legend's extra rows, if it needs more than one)."""
    key = "".join(c for c in chart.title.lower() if c.isalnum())[:40] or "chart"
    legend, rows = _legend(chart)
    extra = LEGEND_ROW * (rows - 1)
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + extra}" '
            f'class="chart" role="img" aria-labelledby="{key}-title {key}-desc" '
            'fill="currentColor" font-family="sans-serif">',
            f'<title id="{key}-title">{escape(chart.title)}</title>',
            f'<desc id="{key}-desc">{escape(description(chart))}</desc>',
            f'<text x="0" y="16" font-size="15" font-weight="bold">{escape(chart.title)}</text>',
            *legend,
            f'<g transform="translate(0 {extra})">' if extra else "<g>",
            *body,
            "</g></svg>",
        ]
    )


def _legend(chart: Chart) -> tuple[list[str], int]:
    """A coloured key and the name of each series, in as many rows as they need."""
    parts: list[str] = []
    x, row = LEFT, 0
    named = [] if chart.kind == "ranking" else chart.series  # a ranking's bars are labelled
    for name, colour in zip((s.name for s in named), chart.colours, strict=False):
        width = 16 + 7 * len(name) + 16  # about 7 px a character at 12 px
        if x > LEFT and x + width > WIDTH:
            x, row = LEFT, row + 1
        y = 30 + row * LEGEND_ROW
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}" font-size="12">{escape(name)}</text>')
        x += width
    return parts, row + 1


def _y_axis(top: int) -> tuple[list[str], float]:
    """Grid lines with their tick labels, and the scale: pixels per unit."""
    steps = ticks(top)
    plot_height = HEIGHT - TOP - BOTTOM
    scale = plot_height / steps[-1]
    parts = []
    for value in steps:
        y = HEIGHT - BOTTOM - value * scale
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="currentColor" stroke-opacity="{0.6 if value == 0 else 0.15}"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
            f"{value:,}</text>"
        )
    return parts, scale


def _x_labels(labels: tuple[str, ...], centre: list[float]) -> list[str]:
    """Labels under the x axis: every one, or every few when there are many, the last kept."""
    every = ceil(len(labels) / MAX_X_LABELS)
    shown = [i for i in range(len(labels)) if i % every == 0 or i == len(labels) - 1]
    if len(shown) > 1 and shown[-1] - shown[-2] < every:
        del shown[-2]  # the last label would overlap the one before it
    return [
        f'<text x="{centre[i]:.1f}" y="{HEIGHT - BOTTOM + 18}" font-size="12" '
        f'text-anchor="middle">{escape(labels[i])}</text>'
        for i in shown
    ]


def _slots(count: int) -> tuple[list[float], float]:
    """The centre of each x position and the width each one gets."""
    width = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return [LEFT + width * (i + 0.5) for i in range(count)], width


def _bars(chart: Chart) -> list[str]:
    totals = [sum(s.values[i] for s in chart.series) for i in range(len(chart.labels))]
    parts, scale = _y_axis(max(totals, default=0))
    centre, slot = _slots(len(chart.labels))
    bar = min(slot * 0.7, 60)
    for i, label in enumerate(chart.labels):
        base = HEIGHT - BOTTOM
        for s, colour in zip(chart.series, chart.colours, strict=True):
            height = s.values[i] * scale
            if height:
                base -= height
                parts.append(
                    f'<rect x="{centre[i] - bar / 2:.1f}" y="{base:.1f}" width="{bar:.1f}" '
                    f'height="{height:.1f}" fill="{colour}">'
                    f"<title>{escape(label)}, {escape(s.name)}: {s.values[i]:,}</title></rect>"
                )
    return parts + _x_labels(chart.labels, centre)


def _lines(chart: Chart) -> list[str]:
    top = max((max(s.values, default=0) for s in chart.series), default=0)
    parts, scale = _y_axis(top)
    centre, _ = _slots(len(chart.labels))
    for s, colour in zip(chart.series, chart.colours, strict=True):
        points = [(centre[i], HEIGHT - BOTTOM - v * scale) for i, v in enumerate(s.values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        # A dot on the last point, so a single day still shows where each line stands.
        x, y = points[-1]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
    return parts + _x_labels(chart.labels, centre)


def _ranking(chart: Chart) -> list[str]:
    """Horizontal bars, longest first, the label on the bar's left and the count on its right."""
    values = chart.series[0].values if chart.series else ()
    label_width, row = 150, (HEIGHT - TOP + 20) / max(len(values), 1)
    widest = max(values, default=0) or 1
    room = WIDTH - RIGHT - label_width - 50
    parts = []
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        y = TOP - 20 + i * row
        length = room * value / widest
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row / 2 + 4:.1f}" font-size="12" '
            f'text-anchor="end">{escape(label[:22])}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + row * 0.15:.1f}" width="{length:.1f}" '
            f'height="{row * 0.7:.1f}" fill="{chart.colours[0]}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + row / 2 + 4:.1f}" '
            f'font-size="12">{value:,}</text>'
        )
    return parts
