"""The episode timeline (server-rendered SVG): what a reader of the page or of a print-out sees."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cellrelay.pathway import protocols, schedule, services, timeline
from cellrelay.pathway.schedule import Kind
from cellrelay.pathway.templatetags.timeline import svg_for
from tests.conftest import open_episode

SVG = "{http://www.w3.org/2000/svg}"
D0 = dt.date(2031, 3, 17)  # a Monday
REFERRAL, DECISION = D0 - dt.timedelta(days=80), D0 - dt.timedelta(days=66)
TEXTS = timeline.Texts(title="Timeline", planned="planned", done="done", today="today", referral="Referral",
                       decision="RCP decision", follow_up="Long-term follow-up", cancelled="cancelled")


def yescarta_items(done_before: dt.date | None = None, slip: dict | None = None) -> list[timeline.Item]:
    """The default Yescarta plan as timeline items; steps before ``done_before`` are done."""
    protocol = next(p for p in protocols.DEFAULTS if p.product == "yescarta")
    items = []
    for p in schedule.plan(protocol, infusion_date=D0):
        done = done_before is not None and p.date < done_before
        actual = p.date + dt.timedelta(days=(slip or {}).get(p.code, 0)) if done else None
        items.append(timeline.Item(label=f"{p.kind} {p.code}", kind=p.kind, planned=p.date, actual=actual,
                                   status="done" if done else "planned", code=p.code))
    # The follow-up visits (the follow-up room's, drawn through pathway.later_steps): D7-D28 on the pathway band.
    for code in protocols.FIFTEEN_YEAR_FOLLOW_UP:
        day = schedule.follow_up_date(D0, code)
        kind = Kind.ASSESSMENT if (day - D0).days <= 28 else Kind.FOLLOW_UP
        items.append(timeline.Item(label=f"visit {code}", kind=kind, planned=day, code=code))
    return sorted(items, key=lambda item: item.planned)


def draw(items, today=D0 - dt.timedelta(days=20), texts=TEXTS) -> ET.Element:
    svg = timeline.render(items, referral=REFERRAL, decision=DECISION, d0=D0, today=today, texts=texts)
    return ET.fromstring(svg)  # well-formed XML, or this raises


def words(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def markers(root: ET.Element, state: str, kind: str | None = None) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "marker" in g.get("class", "").split()
            and state in g.get("class", "").split() and (kind is None or kind in g.get("class", "").split())]


def fills(groups) -> set[str]:
    return {shape.get("fill") for g in groups for shape in g if shape.tag != f"{SVG}title"}


def test_the_svg_scales_and_labels_the_lymphodepletion_days_and_d0():
    root = draw(yescarta_items())
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 1000 ")
    labels = words(root)
    assert {"LD1", "LD2", "LD3", "D0", "D7", "D14", "D28"} <= set(labels)
    assert {"Referral", "RCP decision"} <= set(labels)
    assert len(markers(root, "planned", Kind.LYMPHODEPLETION)) == 3


def test_done_steps_are_filled_planned_ones_hollow():
    root = draw(yescarta_items(done_before=D0 - dt.timedelta(days=6)))  # apheresis and receipt done
    done, planned = markers(root, "done", Kind.APHERESIS), markers(root, "planned", Kind.INFUSION)
    assert done and planned
    assert fills(done) == {timeline.INK} and fills(planned) == {"#fff"}


def test_a_step_done_on_another_day_shows_plan_and_reality_joined():
    root = draw(yescarta_items(done_before=D0 - dt.timedelta(days=6), slip={"APH": 2}))
    assert markers(root, "done", Kind.APHERESIS) and markers(root, "planned", Kind.APHERESIS)
    assert [p for p in root.iter(f"{SVG}path") if p.get("class") == "slip"]


def test_the_today_line_only_when_today_is_on_the_axis():
    def today_lines(today):
        return [e for e in draw(yescarta_items(), today=today).iter() if e.get("class") == "today"]

    assert len(today_lines(D0 - dt.timedelta(days=20))) == 1
    assert today_lines(REFERRAL - dt.timedelta(days=30)) == []
    assert today_lines(D0 + dt.timedelta(days=365 * 20)) == []


def test_the_follow_up_band_lists_every_timepoint_to_year_15():
    root = draw(yescarta_items())
    labels = words(root)
    assert "Long-term follow-up" in labels
    assert {"D100", "M6", "M12", "Y2", "Y10", "Y15"} <= set(labels)
    assert labels.index("Y15") > labels.index("Y2")


def test_cancelled_steps_are_crossed_and_explained_in_the_legend():
    items = [i if i.kind != Kind.FOLLOW_UP else timeline.Item(i.label, i.kind, i.planned, None, "cancelled", i.code)
             for i in yescarta_items()]
    root = draw(items)
    assert markers(root, "cancelled", Kind.FOLLOW_UP) and "cancelled" in words(root)


def test_legend_and_text_are_readable_in_print():
    root = draw(yescarta_items())
    labels = words(root)
    assert {"planned", "done", "today"} <= set(labels)
    assert min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) >= 10


def test_close_labels_are_put_on_different_rows():
    root = draw(yescarta_items())
    boxes = []
    for t in root.iter(f"{SVG}text"):
        if t.get("class") == "label" and t.text in {"LD1", "LD2", "LD3", "D0"}:
            width = timeline.text_width(t.text, float(t.get("font-size")))
            x = float(t.get("x"))
            left = {"start": x, "end": x - width}.get(t.get("text-anchor"), x - width / 2)
            boxes.append((left, left + width, float(t.get("y"))))
    overlapping = [(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1:]
                   if a[2] == b[2] and a[0] < b[1] and b[0] < a[1]]
    assert len(boxes) == 4 and overlapping == []


def test_text_is_escaped():
    texts = timeline.Texts(title="<script>", planned="a & b", done="done", today="today", referral="R",
                           decision="D", follow_up="F")
    items = [timeline.Item(label='Admission <b>"x"</b>', kind=Kind.ADMISSION, planned=D0 - dt.timedelta(days=6)),
             timeline.Item(label="Infusion", kind=Kind.INFUSION, planned=D0, code="D0")]
    svg = timeline.render(items, referral=REFERRAL, decision=DECISION, d0=D0, today=D0, texts=texts)
    assert "<script>" not in svg and "<b>" not in svg
    root = ET.fromstring(svg)
    assert "a & b" in words(root) and 'Admission <b>"x"</b>' in words(root)


# The template tag, on a real episode ----------------------------------------------------------------

@pytest.mark.django_db
def test_the_episode_page_include_draws_the_planned_episode(org, patient):
    episode = open_episode(org, patient)
    assert svg_for(episode) == ""  # nothing planned yet: no figure
    assert "<figure" not in render_to_string("pathway/_timeline.html", {"episode": episode})
    d0 = timezone.localdate() + dt.timedelta(days=60)
    while d0.weekday() >= 5:
        d0 += dt.timedelta(days=1)
    services.plan_schedule(actor=org["users"]["coordinator"], episode=episode, expected_version=None,
                           infusion_date=d0)
    with translation.override("en"):
        html = render_to_string("pathway/_timeline.html", {"episode": episode})
    assert "<figure" in html and "<figcaption" in html and "&lt;svg" not in html
    svg = html[html.index("<svg"):html.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    labels = words(root)
    assert {"LD1", "LD2", "LD3", "D0", "Y15", "Apheresis", "Referral", "RCP decision"} <= set(labels)
    assert [e for e in root.iter() if e.get("class") == "today"]  # referral 20 days ago, D0 in 60 days


def label_boxes(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """(words, left, top, right, bottom) of every label above the axis, from the module's width estimate."""
    boxes = []
    for t in root.iter(f"{SVG}text"):
        if t.get("class") == "label":
            size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
            width = timeline.text_width(t.text, size)
            left = {"start": x, "end": x - width}.get(t.get("text-anchor"), x - width / 2)
            boxes.append((t.text, left, y - size * 0.8, left + width, y + size * 0.2))
    return boxes


@pytest.mark.parametrize("days_from_d0", [-6, -5, -3, -1, 0, 7, 14])
def test_no_label_crosses_the_today_line_nor_another_label(days_from_d0):
    root = draw(yescarta_items(), today=D0 + dt.timedelta(days=days_from_d0))
    boxes = label_boxes(root)
    for n, (words, left, top, right, bottom) in enumerate(boxes):
        for other in boxes[n + 1:]:
            assert not (left < other[3] and other[1] < right and top < other[4] and other[2] < bottom), (words, other)
    for line in (e for e in root.iter(f"{SVG}line") if e.get("class") == "today"):
        x, y1, y2 = float(line.get("x1")), float(line.get("y1")), float(line.get("y2"))
        for words, left, top, right, bottom in boxes:
            assert not (left <= x <= right and top < y2 and y1 < bottom), words
