"""Integrations: their credentials (never stored in clear) and the answers kept for retries."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.field_encryption import EncryptedTextField


class ApiClient(models.Model):
    name = models.CharField(_("nome"), max_length=100, unique=True)
    client_id = models.CharField(_("identificativo"), max_length=40, unique=True)
    # SHA-256 of the token: the token is random and long, so a plain hash cannot be guessed back.
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(_("fine del token"), max_length=8)
    # The HMAC secret must be used to verify signatures, so it is encrypted rather than hashed.
    hmac_secret = EncryptedTextField()
    is_active = models.BooleanField(_("attivo"), default=True)
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("credenziali rinnovate il"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocato il"), null=True, blank=True)

    class Meta:
        verbose_name = _("client dell'API")
        verbose_name_plural = _("client dell'API")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF asks the authenticated principal these two questions.
    is_authenticated = True
    is_anonymous = False


class IdempotencyRecord(models.Model):
    """The answer given to a client's request under an Idempotency-Key, replayed on a retry."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="idempotency")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"
