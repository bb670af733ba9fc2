from django.core.validators import URLValidator

# Addresses a browser is sent to, or a webhook is posted to: the web only (no ftp:, javascript:, …).
validate_web_url = URLValidator(schemes=["http", "https"], message="Use an http:// or https:// address.")
