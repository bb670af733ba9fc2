from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from crm.outbound import outbound_url_refusal

# Addresses a browser is sent to, or a webhook is posted to: the web only (no ftp:, javascript:, …).
validate_web_url = URLValidator(schemes=["http", "https"], message="Use an http:// or https:// address.")


def validate_outbound_url(value: str) -> None:
    """An address the server itself will connect to (a webhook, a forum): the outbound policy's
    checks that need no DNS, so a refused address is a clear error when it is typed, not a failed
    delivery later. The address it resolves to is checked again at every connection."""
    refusal = outbound_url_refusal(value)
    if refusal is not None:
        raise ValidationError(f"Refused: {refusal}.", code="outbound_refused")
