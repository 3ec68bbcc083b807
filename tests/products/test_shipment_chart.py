"""The shipment's temperature chart (shipment_chart.py): pure tests on the SVG text, no database."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cellrelay.products import shipment_chart as chart

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 1, 8, 0, tzinfo=PARIS)
TEXTS = chart.ChartTexts(title="Dry shipper DS-1", no_readings="Nothing logged", limit="Limit ≤ −150 °C",
                         excursion="Too warm", reading="%(temperature)s °C, %(time)s",
                         time_label=lambda moment: moment.strftime("%H:%M"))


def readings(*temperatures, start=START, minutes=10):
    return [(start + timedelta(minutes=minutes * i), float(t)) for i, t in enumerate(temperatures)]


def points(svg: str) -> list[tuple[float, float]]:
    found = re.search(r'<polyline class="readings" points="([^"]+)"', svg).group(1)
    return [tuple(float(v) for v in point.split(",")) for point in found.split()]


def limit_y(svg: str) -> float:
    y1, y2 = re.search(r'<line class="limit" x1="[^"]+" y1="([^"]+)" x2="[^"]+" y2="([^"]+)"', svg).groups()
    assert y1 == y2  # horizontal
    return float(y1)


def excursion_rects(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(w)) for x, w in re.findall(r'<rect class="excursion" x="([^"]+)" y="[^"]+" '
                                                          r'width="([^"]+)"', svg)]


def test_the_limit_line_is_drawn_at_the_height_of_the_limit():
    svg = chart.render(readings(-185, -150, -170), -150, [], TEXTS)
    (_x0, cold), (_x1, at_limit), (_x2, warmer) = points(svg)
    assert limit_y(svg) == at_limit  # a reading at the limit sits on the line
    assert cold > at_limit  # colder is lower (SVG y grows downwards)
    assert cold > warmer > at_limit
    assert 'stroke-dasharray="6 4"' in re.search(r'<line class="limit"[^>]*>', svg).group(0)
    assert ">Limit ≤ −150 °C</text>" in svg


def test_the_frame_maps_degrees_linearly():
    frame = chart.Frame(start=0, end=1, low=-200, high=-100)
    assert frame.y(-200) == frame.bottom and frame.y(-100) == frame.top
    assert frame.y(-150) == (frame.top + frame.bottom) / 2


def test_each_excursion_is_shaded_over_its_time():
    data = readings(-185, -140, -141, -185, -149.9, -120, -185)
    excursions = [(data[1][0], data[2][0]), (data[5][0], data[5][0])]
    svg = chart.render(data, -150, excursions, TEXTS)
    rects = excursion_rects(svg)
    assert len(rects) == 2
    xs = [x for x, _y in points(svg)]
    (first_x, first_width), (single_x, single_width) = rects
    assert first_x == xs[1] and abs(first_x + first_width - xs[2]) <= 0.1
    # A single reading above the limit is still a visible band around it.
    assert single_width == 4 and abs(single_x + 2 - xs[5]) <= 0.1
    assert 'fill="#e8a09a"' in svg and "<title>Too warm: 08:50 → 08:50</title>" in svg


def test_no_excursion_no_band_and_no_limit_no_line():
    svg = chart.render(readings(-185, -100), None, [], TEXTS)
    assert 'class="excursion"' not in svg and 'class="limit"' not in svg
    assert len(points(svg)) == 2


def test_no_readings_says_so():
    svg = chart.render([], -150, [], TEXTS)
    assert 'class="empty"' in svg and ">Nothing logged</text>" in svg
    assert "polyline" not in svg and 'class="limit"' not in svg


def test_a_single_reading_is_drawn_as_a_dot():
    svg = chart.render(readings(-180), -150, [], TEXTS)
    assert "polyline" not in svg and svg.count('<circle class="reading"') == 1
    assert "<title>−180 °C, 08:00</title>" in svg


def test_accessible_and_escaped():
    texts = chart.ChartTexts(title='Shipper <DS-1> & "co"', limit="<limit>")
    svg = chart.render(readings(-185, -140), -150, [], texts)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and 'role="img"' in svg
    assert "aria-label='Shipper &lt;DS-1&gt; &amp; \"co\"'" in svg
    assert "<title>Shipper &lt;DS-1&gt; &amp; \"co\"</title>" in svg
    assert "&lt;limit&gt;" in svg and "<limit>" not in svg


def test_degree_ticks_cover_the_readings_and_the_limit():
    svg = chart.render(readings(-190, -175), -150, [], TEXTS)
    ticks = [int(t.replace("−", "-")) for t in re.findall(r'class="degree-tick">([^<]+)<', svg)]
    assert ticks[0] <= -190 and ticks[-1] >= -150
    assert len(ticks) <= chart.MAX_TICKS and len(set(b - a for a, b in zip(ticks, ticks[1:]))) == 1


def test_time_ticks_fall_on_round_times_of_the_wall_clock():
    data = readings(*([-185] * 36), start=datetime(2026, 3, 1, 8, 7, tzinfo=PARIS))  # 08:07 to 13:57
    svg = chart.render(data, None, [], TEXTS)
    labels = re.findall(r'class="time-tick">([^<]+)<', svg)
    assert labels == ["09:00", "10:00", "11:00", "12:00", "13:00"]


def test_readings_are_placed_by_their_instant_whatever_their_zone():
    paris = readings(-185, -180, -175)
    mixed = [paris[0], (paris[1][0].astimezone(UTC), paris[1][1]), paris[2]]
    assert points(chart.render(paris, None, [], TEXTS)) == points(chart.render(mixed, None, [], TEXTS))


def test_a_flat_log_still_has_a_range():
    low, high, step = chart.temperature_range([-185.0])
    assert low < -185 < high and step > 0
