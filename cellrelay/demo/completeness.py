"""The registry's stored completeness of the synthetic episodes (`cellrelay.registry.stored`), computed from what the
bulk generator made, as it makes it: the rows bypass the services and their journal entries, so nothing would bring
these episodes' rows up to date, and reading back what was just written costs more than computing the rows
(issue #14: about half of a seeding's time went to loading the new episodes again for `stored.refresh_all`).

`completeness.row_for` stays the one place of the rules: this module only gathers, for each new episode, the
`sources.EpisodeData` that `sources.Bundle` would load from the database (tests/demo/test_seeds.py checks that the
rows are those `refresh_all` computes from the database).
"""

from collections import Counter
from types import SimpleNamespace

from cellrelay.patients.models import Consent, Patient
from cellrelay.registry import stored as registry_stored
from cellrelay.registry.models import CompletenessRow
from cellrelay.registry.sources import EpisodeData, SeenVisit


class SyntheticPatient(SimpleNamespace):
    """A Patient row's values by attribute name (`pk` once inserted), and the one rule of the model the registry's
    sources ask of a patient: a plain namespace costs less to make than a Model instance."""

    age_on = Patient.age_on


def episode_data(episode_id: int, patient: SyntheticPatient, case, held_on, ipp: str, consent_on, chain,
                 history) -> EpisodeData:
    """What `sources.Bundle` would read of one new episode: `case` (synthetic.pathway.Case) decided at the RCP of
    `held_on`, `chain` (synthetic.products.Custody) and `history` (synthetic.followup.History), each None when the
    episode did not get that far; `consent_on`: the day the registry consent was given, or None."""
    decision, referral = case.decision, case.referral
    episode = SimpleNamespace(pk=episode_id, patient=patient, decision=SimpleNamespace(
        meeting=SimpleNamespace(held_on=held_on), indication=decision.get("indication", ""),
        product=decision.get("product", ""), bridging_planned=decision.get("bridging_planned", False),
        referral=SimpleNamespace(diagnosis=referral["diagnosis"], prior_lines=referral["prior_lines"],
                                 prior_transplant=referral["prior_transplant"])))
    data = EpisodeData(episode, ipp=ipp, consents={Consent.Kind.REGISTRY: Consent.Status.GIVEN} if consent_on else {})
    for step in case.episode.steps:  # in sequence order, as the Bundle reads the milestones
        if step.status != "done":
            continue
        if step.kind == "infusion":
            data.infusion = step.actual
        elif step.kind == "lymphodepletion":
            data.ld_drugs += [dose.get("drug", "") for dose in step.drugs or []]
    if chain is not None:
        data.collection_date, data.din = chain.collected_at.date(), chain.din  # a wall-clock time already
        if chain.product is not None:
            data.manufacturer, data.lot = chain.product.manufacturer, chain.product.number
    if history is not None:
        data.infusion = data.infusion or history.d0
        data.visits = [SeenVisit(visit.status, visit.done_on) for visit in history.visits]
        data.responses = [SimpleNamespace(criteria=history.criteria, raw=r.raw, category=r.category,
                                          assessed_on=r.assessed_on, is_progression=r.is_progression)
                          for r in history.responses]
        data.late_effects, data.treatments, data.death = history.late_effects, history.treatments, history.death
    return data


class Completeness:
    """The stored rows of each batch's new episodes, handed to `rows` (`bulk.Rows`) with the others, and the counts
    they add (`tallies`), for `stored.move_tallies` once the run is written.

    `elsewhere`, when set, runs each batch's computation (a function returning the counts it adds) somewhere else and
    hands its counts on by itself (`bulk.Helpers`): the rows are then computed on another core while the next batch
    is made."""

    def __init__(self, rows, today, now):
        self.rows, self.today, self.now = rows, today, now
        self.tallies = Counter()
        self.elsewhere = None

    def insert(self, episodes: list[EpisodeData]) -> None:
        if self.elsewhere is not None:
            self.elsewhere(lambda: self.compute(episodes))
        else:
            self.tallies += self.compute(episodes)

    def compute(self, episodes: list[EpisodeData]) -> Counter:
        """The episodes' rows handed to `rows`; the counts they add."""
        values = registry_stored.stored_values(episodes, today=self.today, now=self.now, json_text=self.rows.json)
        self.rows.add(CompletenessRow, registry_stored.COLUMNS, values)
        return Counter(map(registry_stored.tally_key, values))
