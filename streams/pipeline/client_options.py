"""aiokafka client options from the settings (SASL and TLS as the worker uses them)."""

from __future__ import annotations

import ssl
from typing import Any

from streams.config import Settings


def client_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"bootstrap_servers": settings.bootstrap_servers}
    if settings.kafka_ssl:
        options["ssl_context"] = ssl.create_default_context()
    if settings.kafka_sasl_mechanism is not None:
        options["security_protocol"] = "SASL_SSL" if settings.kafka_ssl else "SASL_PLAINTEXT"
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_username
        password = settings.kafka_password
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    elif settings.kafka_ssl:
        options["security_protocol"] = "SSL"
    return options
