"""The monitoring chart: a pure SVG module (no Django)."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.monitoring import chart
from cellrelay.monitoring.chart import DayGrade, Reading, Stay, Texts, Treatment, Vitals

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts_of(root) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


SAMPLE = dict(
    temperatures=[Reading(-0.5, 36.8), Reading(1.4, 38.6), Reading(2.3, 39.4), Reading(4.5, 37.2)],
    crs=[DayGrade(1, 1), DayGrade(2, 3, proposed=True), DayGrade(4, 0)],
    icans=[DayGrade(3, 2)],
    treatments=[Treatment(2.4, "T", "Tocilizumab 600 mg"), Treatment(2.45, "C"), Treatment(3.0, "A")],
    stays=[Stay(2.5, 5.2, "ICU")], now=6.2)


def sample(**extra) -> str:
    return chart.render(**SAMPLE, **extra)


def test_the_chart_is_an_svg_that_scales_to_its_container():
    root = parse(sample())
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 1000 ")
    assert root.find(f"{SVG}title").text


def test_every_text_is_at_least_10px():
    root = parse(sample())
    sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]
    assert sizes and min(sizes) >= 10


def day_labels(root) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "day-label"]


def test_at_d_plus_3_the_axis_runs_from_the_first_reading_to_now():
    root = parse(chart.render(temperatures=[Reading(0.33, 37.2), Reading(1.33, 38.6), Reading(2.33, 39.4)],
                              now=3.7))
    assert day_labels(root) == ["D0", "D+1", "D+2", "D+3"]  # not D0 to D+30, 90 % empty


def test_the_axis_fits_the_data_with_a_small_margin():
    assert chart.day_range([-6.5, 41.2]) == (-7, 41)
    assert chart.day_range([1.02, 4.5]) == (0, 4)  # 0:30 on D+1: the day before gives it room
    assert chart.day_range([2.5], now=3.9) == (2, 4)  # 3 days at least, towards the days to come
    assert chart.day_range([1.5, 6.4], now=35.2) == (1, 6)  # long after discharge: "now" is not shown
    assert chart.day_range([], start=-5, now=-3.6) == (-5, -3)  # nothing recorded yet: from lymphodepletion
    assert chart.day_range([-1.5], start=-5, now=0.4) == (-2, 0)  # the first reading decides once there is one
    assert chart.day_range([]) == (-1, 1)


def test_data_beyond_d30_widen_the_axis():
    labels = texts_of(parse(chart.render(crs=[DayGrade(45, 1)], texts=Texts(day_label=lambda n: f"J{n:+d}"))))
    assert "J+45" in labels


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
    axis = chart.Axis(*chart.day_range([2.0], now=5.0))
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
    assert axis.label_step(18) == 1
    assert chart.Axis(-10, 120).label_step(24) > 1


@given(st.lists(st.tuples(st.floats(-10, 60), st.floats(34, 42.5)), max_size=40),
       st.lists(st.tuples(st.integers(-10, 60), st.integers(0, 4), st.booleans()), max_size=40))
def test_any_data_gives_valid_svg_within_the_canvas(readings, grades):
    svg = chart.render(temperatures=[Reading(a, t) for a, t in readings],
                       crs=[DayGrade(d, g, p) for d, g, p in grades])
    root = parse(svg)
    for circle in root.iter(f"{SVG}circle"):
        assert 0 <= float(circle.get("cx")) <= 1000


# Heart rate, blood pressure, SpO2 ------------------------------------------------------------------------------

VITALS = [Vitals(0.3, 88, 118, 72, 97), Vitals(1.3, 112, 96, 58, 94), Vitals(2.3, 131, 82, 48, 88),
          Vitals(2.6, 124, None, None, 91)]


def by_class(root, tag, css) -> list:
    return [e for e in root.iter(f"{SVG}{tag}") if css in (e.get("class") or "").split()]


def test_heart_rate_blood_pressure_and_spo2_panels_share_the_time_axis():
    root = parse(sample(vitals=VITALS, spo2_threshold=90))
    titles = " ".join(t.text for t in by_class(root, "text", "panel-title"))  # wrapped in the margin
    assert titles == "Temperature (°C) Heart rate (/min) Blood pressure (mmHg) SpO2 (%)"
    axis = chart.Axis(*chart.day_range([-0.5, 4.5, 0.3, 2.6, 1.5, 5.5, 2.4, 3.0, 2.5, 5.2], now=6.2))
    heart = by_class(root, "circle", "heart-rate")
    assert [round(float(c.get("cx"))) for c in heart] == [round(axis.x(v.at)) for v in VITALS]
    assert [c.find(f"{SVG}title").text for c in heart] == ["88 /min", "112 /min", "131 /min", "124 /min"]
    assert len(by_class(root, "path", "systolic")) == len(by_class(root, "path", "diastolic")) == 3
    assert len(by_class(root, "line", "bp-join")) == 3  # each reading's systolic joined to its diastolic
    assert [c.find(f"{SVG}title").text for c in by_class(root, "circle", "spo2")] == ["97 %", "94 %", "88 %", "91 %"]


def test_the_chart_reads_in_black_and_white():
    root = parse(sample(vitals=VITALS, spo2_threshold=90))
    systolic = by_class(root, "polyline", "systolic")[0]
    diastolic = by_class(root, "polyline", "diastolic")[0]
    assert systolic.get("stroke-dasharray") is None and diastolic.get("stroke-dasharray")  # solid vs dashed
    down, up = by_class(root, "path", "systolic")[0].get("d"), by_class(root, "path", "diastolic")[0].get("d")
    assert down != up  # ▼ and ▲, not told apart by colour
    for css in ("fever-threshold", "spo2-threshold"):
        assert by_class(root, "line", css)[0].get("stroke-dasharray")
    assert "90 %" in texts_of(root) and "systolic" in texts_of(root) and "diastolic" in texts_of(root)


def boxes(root) -> list[tuple[str, float, float, float, float]]:
    """Every visible text as (text, left, top, right, bottom), from the chart's own width estimate."""
    out = []
    for t in root.iter(f"{SVG}text"):
        size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
        width = chart.text_width(t.text or "", size)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor")]
        out.append((t.text or "", left, y - size * 0.8, left + width, y + size * 0.2))
    return out


def overlapping(a, b) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


SCENES = {
    "d+3, now at the right edge": dict(temperatures=[Reading(0.33, 37.2), Reading(1.33, 38.6), Reading(2.33, 39.4)],
                                       vitals=VITALS[:3], crs=[DayGrade(1, 1), DayGrade(2, 2, True)],
                                       treatments=[Treatment(2.4, "T")], now=3.85, spo2_threshold=90),
    "the sample, in French": dict(SAMPLE, vitals=VITALS, spo2_threshold=90, texts=Texts(
        today="Maintenant", fever="38 °C (fièvre)", heart_rate="Fréquence cardiaque (/min)",
        blood_pressure="Pression artérielle (mmHg)", spo2_threshold="90 % (hypoxie)")),
    "a long stay": dict(temperatures=[Reading(d / 3, 37 + (d % 5) / 3) for d in range(-3, 90)],
                        crs=[DayGrade(d, d % 4) for d in range(0, 30)], stays=[Stay(4, 12)], now=29.9),
    "nothing yet": dict(now=-3.5, start=-5),
}


@pytest.mark.parametrize("scene", SCENES)
def test_labels_never_overlap_each_other_nor_the_now_line(scene):
    root = parse(chart.render(**SCENES[scene]))
    texts = boxes(root)
    for n, a in enumerate(texts):
        for b in texts[n + 1:]:
            assert not overlapping(a, b), (a, b)
    now = by_class(root, "line", "now")[0]
    x, top, bottom = float(now.get("x1")), float(now.get("y1")), float(now.get("y2"))
    markers = {str(grade) for grade in range(6)} | set(chart.KIND_CODES)  # drawn at their moment, not labels
    for text, left, upper, right, lower in texts:
        if text not in markers:
            assert not (left - 1 <= x <= right + 1 and upper < bottom and top < lower), text


def test_a_threshold_label_moves_away_from_the_now_line():
    root = parse(chart.render(**SCENES["d+3, now at the right edge"]))
    label = next(t for t in by_class(root, "text", "threshold-label") if t.text == "38 °C")
    assert label.get("text-anchor") == "start"  # at the left end: "now" crosses the right end
    quiet = parse(chart.render(temperatures=[Reading(0.3, 37.0), Reading(5.8, 37.1)], now=2.0))
    assert next(t for t in by_class(quiet, "text", "threshold-label")).get("text-anchor") == "end"
