"""The product's one chart module (cellrelay/charts.py): pure tests on the SVG it draws, no database."""

from datetime import UTC, datetime, timedelta
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from cellrelay import charts

SVG = "{http://www.w3.org/2000/svg}"
LEFT, RIGHT, TOP, BOTTOM = 100.0, 700.0, 40.0, 400.0

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 %°", min_size=1,
                max_size=18).map(str.strip).filter(bool)
labels = st.lists(st.builds(charts.Label, words, st.floats(LEFT - 50, RIGHT + 50), st.floats(TOP, BOTTOM),
                            size=st.sampled_from([10, 11, 13]), anchor=st.sampled_from(["start", "middle", "end"])),
                  max_size=25)


def crosses(box: charts.Box, x: float, top: float, bottom: float) -> bool:
    return box.left <= x <= box.right and box.top < bottom and top < box.bottom


@given(labels, st.floats(LEFT, RIGHT), st.sampled_from([-1, 0, 1]))
def test_placed_labels_never_overlap_each_other_nor_the_now_line(wanted, now_x, direction):
    placed = charts.place_labels(wanted, left=LEFT, right=RIGHT, direction=direction,
                                 obstacles=[charts.now_obstacle(now_x, TOP, BOTTOM)])
    assert [spot.label for spot in placed] == wanted  # every label is drawn, none dropped
    for n, a in enumerate(placed):
        assert LEFT - 0.01 <= a.box.left and a.box.right <= RIGHT + 0.01, a
        assert not crosses(a.box, now_x, TOP, BOTTOM), a
        assert a.box == a.label.box(a.x, a.y, a.anchor)  # the box is where the text is drawn
        for b in placed[n + 1:]:
            assert not a.box.overlaps(b.box), (a, b)


def test_a_label_stays_where_it_is_wanted_when_it_fits_and_takes_the_callers_alternative_first():
    free = charts.Label("38 °C", 690, 100, anchor="end", alternatives=((110, 100, "start"),))
    assert not charts.place_labels([free], left=LEFT, right=RIGHT)[0].moved
    (spot,) = charts.place_labels([free], left=LEFT, right=RIGHT, obstacles=[charts.now_obstacle(670, 60, 300)])
    assert (spot.x, spot.y, spot.anchor) == (110, 100, "start")  # the other end of its line


def test_a_crowded_label_moves_to_the_next_row_and_says_it_moved():
    first, second = charts.Label("Admission", 300, 100), charts.Label("Product receipt", 305, 100)
    a, b = charts.place_labels([first, second], left=LEFT, right=RIGHT, row_step=15, direction=-1)
    assert not a.moved and b.moved and b.y == 85  # one row up, a leader to draw
    assert not a.box.overlaps(b.box)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
       st.timedeltas(min_value=timedelta(minutes=5), max_value=timedelta(days=5 * 365)))
def test_time_ticks_cover_the_span(first, span):
    first = first.replace(tzinfo=UTC)
    last = first + span
    ticks = charts.time_ticks(first, last, max_ticks=7)
    assert 1 <= len(ticks) <= 7
    assert ticks == sorted(ticks) and first <= ticks[0] and ticks[-1] <= last
    steps = [b - a for a, b in zip(ticks, ticks[1:])]
    step = max(steps, default=span)
    # No stretch of the axis longer than a step is left without a tick (months differ by a few days).
    assert ticks[0] - first <= step + timedelta(days=3) and last - ticks[-1] <= step + timedelta(days=3)


def test_time_ticks_are_round_moments_of_the_span():
    start = datetime(2026, 3, 2, 8, 7, tzinfo=UTC)  # a Monday
    assert [t.hour for t in charts.time_ticks(start, start + timedelta(hours=5, minutes=50))] == [9, 10, 11, 12, 13]
    weekly = charts.time_ticks(start, start + timedelta(days=40))
    assert {t.weekday() for t in weekly} == {0} and {t.hour for t in weekly} == {0}
    monthly = charts.time_ticks(start, start + timedelta(days=400))
    assert {t.day for t in monthly} == {1} and len(monthly) <= 7


@given(st.floats(-100, 100), st.floats(0.5, 200), st.sampled_from([1, 2, 5, 7]))
def test_numeric_ticks_cover_the_axis(start, length, step):
    axis = charts.Axis(start, start + length, LEFT, RIGHT)
    ticks = axis.aligned_ticks(step, anchor=0)
    assert all(start - 1e-6 <= t <= start + length + 1e-6 and t % step == 0 for t in ticks)
    assert all(b - a == step for a, b in zip(ticks, ticks[1:]))
    edges = [ticks[0] - start, start + length - ticks[-1]] if ticks else [length]
    assert all(edge < step + 1e-6 for edge in edges)  # no stretch a step long without a tick


def test_empty_data_draws_an_honest_no_data_picture():
    root = ET.fromstring(charts.no_data("No data yet", width=800, height=300, title="Levels", css="levels"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No data yet"]
    assert not list(root.iter(f"{SVG}polyline")) and not list(root.iter(f"{SVG}circle"))  # no pretend axis
    assert root.get("viewBox") == "0 0 800 300" and root.find(f"{SVG}title").text == "Levels"


def test_a_picture_is_accessible_scales_and_escapes_its_texts():
    svg = charts.document([charts.text(10, 10, "<b>&")], width=500, height=100, title='Tank "A" <1>',
                          desc="Levels & alarms", css="tank")
    root = ET.fromstring(svg)
    assert root.get("width") == "100%" and root.get("viewBox") == "0 0 500 100" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == 'Tank "A" <1>' and root.find(f"{SVG}desc").text == "Levels & alarms"
    assert "sans-serif" in root.get("font-family") and "url(" not in svg and "http" not in svg.replace(
        "http://www.w3.org/2000/svg", "")  # no web font, no asset from the internet
    assert [t.text for t in root.iter(f"{SVG}text")] == ["<b>&"]


def test_series_differ_without_colour():
    axis, scale = charts.Axis(0, 10, LEFT, RIGHT), charts.Scale(0, 100, TOP, BOTTOM)
    solid = charts.Series("a", [(1, 10), (2, 20)], charts.INK, marker="down")
    dashed = charts.Series("b", [(1, 30), (2, 40)], charts.INK, marker="up", dash=charts.DASHED)
    root = ET.fromstring("<svg xmlns='http://www.w3.org/2000/svg'>" + "".join(
        charts.series_marks(axis, scale, solid) + charts.series_marks(axis, scale, dashed)) + "</svg>")
    lines = list(root.iter(f"{SVG}polyline"))
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray") == charts.DASHED
    shapes = {p.get("class"): p.get("d") for p in root.iter(f"{SVG}path")}
    assert len(set(shapes.values())) == 2  # ▼ and ▲


def test_text_width_is_a_conservative_estimate_from_the_characters():
    assert charts.text_width("D+3", 10) == (3 * charts.CHAR_EM + 1 * charts.WIDE_EXTRA_EM) * 10
    assert charts.text_width("mmmm", 10) > charts.text_width("iiii", 10)
    assert charts.wrap("Blood pressure (mmHg)", charts.text_width("Blood pressure", 11)) == ["Blood pressure",
                                                                                            "(mmHg)"]
