"""core/charts.py: series drawn as SVG, with axes, labels and a text alternative; no database."""

import xml.etree.ElementTree as ET

from core.charts import Chart, Series, description, ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg)  # well-formed XML, or this raises


def texts(svg: ET.Element) -> list[str]:
    return [element.text or "" for element in svg.iter(f"{SVG}text")]


DIGESTS = Chart(
    "Digests per day",
    ("Dec 3", "Dec 4", "Dec 5"),
    (Series("sent", (4, 6, 9)), Series("skipped", (1, 0, 2)), Series("failed", (0, 1, 0))),
)


def test_ticks_are_round_numbers_from_zero_past_the_top():
    assert ticks(9) == [0, 5, 10]
    assert ticks(0) == [0, 1]
    assert ticks(1) == [0, 1]
    assert ticks(230) == [0, 100, 200, 300]
    assert ticks(11) == [0, 5, 10, 15]


def test_a_bar_chart_has_a_title_a_description_axes_and_a_legend():
    svg = parse(DIGESTS)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Digests per day"
    assert svg.find(f"{SVG}desc").text == "Dec 3 to Dec 5. In all: sent 19, skipped 3, failed 1."
    words = texts(svg)
    assert {"Digests per day", "sent", "skipped", "failed"} <= set(words)
    assert {"Dec 3", "Dec 4", "Dec 5"} <= set(words)  # x labels
    assert {"0", "5", "10", "15"} <= set(words)  # y ticks: the tallest day stacks to 11
    bars = list(svg.iter(f"{SVG}rect"))
    assert len(bars) == 3 + 6  # the legend's keys, then one bar per non-zero value


def test_one_day_of_data_is_still_a_chart_with_axes():
    chart = Chart("Papers per source", ("Dec 5",), (Series("arXiv", (12,)),))
    svg = parse(chart)
    assert "Dec 5" in texts(svg) and "0" in texts(svg)
    assert svg.find(f"{SVG}desc").text == "Dec 5. In all: arXiv 12."


def test_all_zero_series_draw_an_axis_up_to_one():
    svg = parse(Chart("Bounces", ("W48",), (Series("bounces", (0,)),)))
    assert {"0", "1"} <= set(texts(svg))


def test_a_line_chart_has_a_dot_at_each_lines_end_and_says_where_they_end():
    chart = Chart(
        "Readers",
        ("Dec 4", "Dec 5"),
        (Series("active", (3, 5)), Series("pending", (2, 1))),
        kind="lines",
    )
    svg = parse(chart)
    assert len(list(svg.iter(f"{SVG}polyline"))) == 2
    assert len(list(svg.iter(f"{SVG}circle"))) == 2
    assert description(chart) == "Dec 4 to Dec 5. At the end: active 5, pending 1."


def test_a_ranking_labels_each_bar_with_its_word_and_count():
    chart = Chart("Topic words", ("diffusion", "agents"), (Series("topics", (7, 3)),), "ranking")
    svg = parse(chart)
    assert {"diffusion", "agents", "7", "3"} <= set(texts(svg))
    assert description(chart) == "diffusion: 7; agents: 3."


def test_many_labels_are_thinned_to_seven_or_so():
    labels = tuple(f"Day {i}" for i in range(30))
    chart = Chart("Thirty days", labels, (Series("n", tuple(range(30))),))
    shown = [word for word in texts(parse(chart)) if word.startswith("Day")]
    assert 5 <= len(shown) <= 7 and shown[0] == "Day 0" and shown[-1] == "Day 29"


def test_text_is_escaped():
    chart = Chart(
        "<script>alert(1)</script>",
        ('<img src=x onerror="alert(1)">',),
        (Series("a&b </text><script>", (1,)),),
    )
    markup = chart.svg
    assert "<script>" not in markup and "<img" not in markup
    svg = parse(chart)
    assert "a&b </text><script>" in texts(svg)
    assert svg.find(f"{SVG}title").text == "<script>alert(1)</script>"


def test_rows_are_the_chart_as_a_table():
    assert DIGESTS.rows == [("Dec 3", [4, 1, 0]), ("Dec 4", [6, 0, 1]), ("Dec 5", [9, 2, 0])]


def test_an_empty_chart_says_there_is_no_data():
    chart = Chart("Nothing", (), (Series("n", ()),))
    assert parse(chart).find(f"{SVG}desc").text == "No data yet."


def test_a_legend_too_wide_for_one_row_wraps_and_the_chart_grows_to_hold_it():
    names = [f"digest/demo_data/feeds/source_{n}.xml" for n in range(4)]
    chart = Chart("Papers", ("Dec 5",), tuple(Series(name, (n,)) for n, name in enumerate(names)))
    svg = parse(chart)
    keys = [float(rect.get("y")) for rect in list(svg.iter(f"{SVG}rect"))[:4]]
    assert len(set(keys)) > 1  # more than one row
    width, height = map(float, svg.get("viewBox").split()[2:])
    assert height > 260 and width == 480
    assert svg.find(f"{SVG}g").get("transform") == f"translate(0 {height - 260:g})"


def test_a_line_chart_of_one_day_still_shows_a_dot_for_each_series():
    chart = Chart("Readers", ("Dec 5",), (Series("active", (3,)), Series("left", (1,))), "lines")
    svg = parse(chart)
    assert len(list(svg.iter(f"{SVG}circle"))) == 2
    assert {"Dec 5", "0", "1", "2", "3"} <= set(texts(svg))
