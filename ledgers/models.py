from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledgers.choices import ExportStatus, Ledger


class ArchiveNumberCounter(models.Model):
    """The last archive number handed out in a year. Incremented with a conditional
    UPDATE, so two clerks filing at once never get the same number, and never lowered,
    so a number once given is never given again."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class ArchiveFile(models.Model):
    """The paper file of a matter in the offline archive ledger (线下档案台账): its archive
    number (assigned once, never reused), where the file is kept and what it holds."""

    risk = models.OneToOneField("risks.Risk", verbose_name=_("matter"),
                                on_delete=models.PROTECT, related_name="archive_file")
    number = models.CharField(_("archive number"), max_length=32, unique=True,
                              editable=False)
    location = models.CharField(_("where the file is kept"), max_length=200, blank=True)
    documents = models.JSONField(_("documents in the file"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"),
                                    null=True, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("filed at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("archive file")
        verbose_name_plural = _("archive files")
        ordering = ["number"]

    def __str__(self):
        return self.number


class ExportJob(models.Model):
    """A large ledger export written in the background; its owner downloads the file
    from their inbox when it is ready."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.CASCADE, related_name="ledger_exports")
    ledger = models.CharField(_("ledger"), max_length=20, choices=Ledger.choices)
    query = models.TextField(_("filters"), blank=True)
    unmask = models.BooleanField(_("parties unmasked"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices,
                              default=ExportStatus.PENDING)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    file_name = models.CharField(max_length=200, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The sweep's bookkeeping (ledgers.services.requeue_stale_exports): when the job was
    # last handed to the broker, when a worker last took it, and how many times one did.
    queued_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    runs = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.ledger} #{self.pk} {self.status}"


class ImportedMatter(models.Model):
    """Which matter a row of an imported survey sheet became: its external reference
    (外部编号) per street, so that importing the same sheet again creates nothing twice."""

    street = models.ForeignKey("grids.Area", verbose_name=_("street"),
                               on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("external reference"), max_length=64)
    risk = models.OneToOneField("risks.Risk", verbose_name=_("matter"),
                                on_delete=models.PROTECT, related_name="import_record")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"),
                                    null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("imported matter")
        verbose_name_plural = _("imported matters")
        constraints = [models.UniqueConstraint(fields=["street", "reference"],
                                               name="one_matter_per_street_reference")]

    def __str__(self):
        return f"{self.reference} → {self.risk_id}"


class DisputeAcknowledgement(models.Model):
    """That the city one-stop dispute platform (市"一站式"矛盾纠纷多元化解线上平台) took a
    dispute record of the disputes ledger (同步上传), with the platform's own reference.

    It covers the matter as it was when taken: ``acked_version`` is the matter's version
    then (read under the matter's row lock), and a later change bumps the version, so the
    record reads as not taken again until it is acknowledged anew (ledgers.services).
    """

    risk = models.OneToOneField("risks.Risk", verbose_name=_("matter"),
                                on_delete=models.PROTECT, related_name="dispute_ack")
    platform_ref = models.CharField(_("platform reference"), max_length=100)
    acked_at = models.DateTimeField(_("taken by the platform at"), default=timezone.now)
    acked_version = models.PositiveIntegerField(_("version taken by the platform"))
    acked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"),
                                 null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("dispute acknowledgement")
        verbose_name_plural = _("dispute acknowledgements")

    def __str__(self):
        return f"{self.risk_id} → {self.platform_ref}"
