"""The pharmacy's room. For now: drugs reserved for one patient's episode (tocilizumab before infusion)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cellrelay.pathway.models import Episode


class DrugReserve(models.Model):
    """Doses set aside for one episode; each dose given is counted against it."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="drug_reserves")
    drug = models.CharField(_("drug"), max_length=50)
    reserved_doses = models.PositiveSmallIntegerField(_("doses reserved"))
    used_doses = models.PositiveSmallIntegerField(_("doses used"), default=0)
    reserved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reserved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["episode", "drug"], name="one_reserve_per_drug_and_episode")]

    @property
    def remaining(self) -> int:
        return max(self.reserved_doses - self.used_doses, 0)
