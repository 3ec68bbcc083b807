"""The monitoring chart: a pure SVG module (no Django)."""

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from cellrelay.monitoring import chart
from cellrelay.monitoring.chart import DayGrade, Reading, Stay, Texts, Treatment

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts_of(root) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def sample(**extra) -> str:
    return chart.render(
        temperatures=[Reading(-0.5, 36.8), Reading(1.4, 38.6), Reading(2.3, 39.4), Reading(4.5, 37.2)],
        crs=[DayGrade(1, 1), DayGrade(2, 3, proposed=True), DayGrade(4, 0)],
        icans=[DayGrade(3, 2)],
        treatments=[Treatment(2.4, "T", "Tocilizumab 600 mg"), Treatment(2.45, "C"), Treatment(3.0, "A")],
        stays=[Stay(2.5, 5.2, "ICU")], now=6.2, **extra)


def test_the_chart_is_an_svg_that_scales_to_its_container():
    root = parse(sample())
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 1000 ")
    assert root.find(f"{SVG}title").text


def test_every_text_is_at_least_10px():
    root = parse(sample())
    sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]
    assert sizes and min(sizes) >= 10


def test_the_axis_runs_from_d_minus_1_to_d_plus_30_at_least():
    axis = chart.Axis(*chart.day_range([]))
    assert (axis.first, axis.last) == (-1, 30)
    assert chart.day_range([-6.5, 41.2]) == (-7, 41)
    labels = texts_of(parse(sample()))
    assert "D0" in labels and "D+30" in labels


def test_data_beyond_d30_widen_the_axis():
    labels = texts_of(parse(chart.render(crs=[DayGrade(45, 1)], texts=Texts(day_label=lambda n: f"J{n:+d}"))))
    assert any(label in labels for label in ("J+45", "J+42", "J+40"))


def test_the_fever_threshold_is_dashed_at_38():
    root = parse(sample())
    threshold = next(line for line in root.iter(f"{SVG}line") if line.get("class") == "fever-threshold")
    assert threshold.get("stroke-dasharray")
    assert "38 °C" in texts_of(root)
    fevers = [c for c in root.iter(f"{SVG}circle") if "fever" in (c.get("class") or "")]
    assert len(fevers) == 2  # 38.6 and 39.4, filled


def test_grades_are_squares_with_their_number_dashed_while_proposed():
    root = parse(sample())
    squares = [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("grade ")]
    crs = [g for g in squares if g.get("class") == "grade crs"]
    assert [g.get("data-grade") for g in crs] == ["1", "3", "0"]
    assert [g.find(f"{SVG}text").text for g in crs] == ["1", "3", "0"]
    proposed = crs[1].find(f"{SVG}rect")
    assert proposed.get("stroke-dasharray") and crs[0].find(f"{SVG}rect").get("stroke-dasharray") is None
    assert [g.get("data-grade") for g in squares if g.get("class") == "grade icans"] == ["2"]
    # Darker with the grade: grade 0 white, grade 3 and 4 dark with white numbers.
    assert chart.GRADE_FILL[0] == "#ffffff" and chart.GRADE_INK[3] == chart.GRADE_INK[4] == "#ffffff"


def test_treatments_are_labelled_triangles_kept_apart():
    root = parse(sample())
    marks = [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("treatment ")]
    assert [g.get("class") for g in marks] == [f"treatment treatment-{code}" for code in "TCA"]
    assert [g.find(f"{SVG}text").text for g in marks] == ["T", "C", "A"]
    assert marks[0].find(f"{SVG}title").text == "Tocilizumab 600 mg"
    xs = [float(g.find(f"{SVG}text").get("x")) for g in marks]
    assert xs[1] - xs[0] >= 18  # given 1.2 h apart: side by side, not on top of each other


def test_an_icu_stay_is_a_band_and_an_open_stay_runs_to_now():
    root = parse(chart.render(stays=[Stay(2.0, None)], now=5.0))
    band = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "icu-stay").find(f"{SVG}rect")
    axis = chart.Axis(-1, 30)
    assert float(band.get("x")) == round(axis.x(2.0), 1)
    assert abs(float(band.get("x")) + float(band.get("width")) - axis.x(5.0)) < 0.2
    assert band.get("stroke-dasharray")  # still open


def test_the_legend_names_every_sign():
    labels = texts_of(parse(sample()))
    for words in ("Temperature (°C)", "Tocilizumab", "Corticosteroid", "Anakinra", "Other", "ICU", "proposed",
                  "CRS", "ICANS", "Treatments"):
        assert words in labels, words


def test_texts_are_escaped():
    svg = chart.render(treatments=[Treatment(1, "T", '<script>alert("x")</script>')],
                       texts=Texts(crs="CRS & <b>", title='"quoted"'))
    assert "<script>" not in svg and "<b>" not in svg
    parse(svg)


def test_an_empty_chart_still_draws_its_axes():
    root = parse(chart.render())
    assert "D0" in texts_of(root)


def test_labels_thin_out_when_days_are_narrow():
    axis = chart.Axis(-1, 30)
    assert axis.label_step(20) == 1
    assert chart.Axis(-10, 120).label_step(24) > 1


@given(st.lists(st.tuples(st.floats(-10, 60), st.floats(34, 42.5)), max_size=40),
       st.lists(st.tuples(st.integers(-10, 60), st.integers(0, 4), st.booleans()), max_size=40))
def test_any_data_gives_valid_svg_within_the_canvas(readings, grades):
    svg = chart.render(temperatures=[Reading(a, t) for a, t in readings],
                       crs=[DayGrade(d, g, p) for d, g, p in grades])
    root = parse(svg)
    for circle in root.iter(f"{SVG}circle"):
        assert 0 <= float(circle.get("cx")) <= 1000
