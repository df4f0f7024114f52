"""All buzzwire configuration, in one frozen settings object.

Every field is read from an environment variable ``BUZZWIRE_<FIELD>`` (case-insensitive),
except the two that Faust itself reads from the environment: ``BROKER_URL`` and ``WEB_PORT``.
Faust lets those environment variables override whatever is passed to ``faust.App(...)``, so we
read the *same* variables here and pass the values on explicitly: the app and our own code
(demo, replay, tests) always agree on the broker and the web port.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.kernel.durations import parse_hopping

DEFAULT_BROKER_URL = "kafka://127.0.0.1:9092"


def parse_scales(text: str) -> tuple[int, ...]:
    """``"1,5,15"`` -> ``(1, 5, 15)``: distinct positive integers, 1 among them."""
    try:
        scales = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise ValueError(f"scales must be comma-separated integers, got {text!r}") from None
    if not scales or scales[0] != 1 or len(scales) > 6:
        raise ValueError(f"scales must include 1 and be at most 6 positive integers, got {text!r}")
    return scales


def sample_brands_path() -> Path:
    """The sample brands file shipped with the package."""
    return Path(str(resources.files("streams") / "data" / "brands.yaml"))


def default_topics_path() -> Path:
    """The default topic taxonomy shipped with the package (docs/topics.md)."""
    return Path(str(resources.files("streams") / "data" / "topics.yaml"))


def sample_stream_path() -> Path:
    """The bundled multilingual sample stream used by the demo."""
    return Path(str(resources.files("streams") / "data" / "sample_mentions.jsonl"))


class Settings(BaseSettings):
    """Runtime configuration. Immutable once built; every env var is in docs/configuration.md."""

    model_config = SettingsConfigDict(
        env_prefix="BUZZWIRE_",
        frozen=True,
        extra="ignore",
        case_sensitive=False,
        # an error never echoes what was given: a URL or password may be in it
        hide_input_in_errors=True,
    )

    # --- Faust / Kafka -------------------------------------------------------------------
    app_id: str = "buzzwire"
    broker_url: str = Field(
        default=DEFAULT_BROKER_URL,
        validation_alias=AliasChoices("BROKER_URL", "broker_url"),
        description="Kafka bootstrap URL(s), Faust syntax: kafka://host:port[;kafka://host2:port]",
    )
    web_port: int = Field(
        default=6066,
        validation_alias=AliasChoices("WEB_PORT", "web_port"),
        description="Port of the worker's web server (serves /metrics).",
    )
    web_bind: str = "0.0.0.0"
    topic_prefix: str = ""
    consumer_session_timeout_seconds: float = Field(
        default=10.0,
        ge=6.0,
        le=300.0,
        description="a worker that stops heartbeating is out of the group after this long",
    )
    consumer_heartbeat_interval_seconds: float = Field(
        default=3.0, gt=0, le=60.0, description="how often a worker heartbeats its group"
    )
    shutdown_drain_seconds: float = Field(
        default=20.0,
        ge=0,
        description="on SIGTERM, how long a worker finishes the batches in flight before stopping",
    )
    ready_probe_seconds: float = Field(
        default=5.0, gt=0, description="how often a worker asks the broker for metadata"
    )
    ready_broker_grace_seconds: float = Field(
        default=15.0,
        gt=0,
        description="/ready fails once the broker has not answered for this long",
    )
    topic_partitions: int = Field(default=8, ge=1, le=1024)
    table_store: str = "memory://"
    data_dir: Path = Path(".buzzwire/worker-data")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_ssl: bool = False
    producer_linger_seconds: float = Field(default=0.01, ge=0, le=1)
    producer_max_batch_bytes: int = Field(default=512 * 1024, ge=16 * 1024)
    producer_compression: Literal["none", "gzip", "lz4", "zstd"] = Field(
        default="zstd",
        description="how the workers compress the record batches they write (outputs, dead "
        "letters, table changelogs); consumers of buzzwire's topics need the codec",
    )
    consumer_fetch_max_wait_seconds: float = Field(
        default=0.1, gt=0, le=30, description="longest a fetch request waits for new records"
    )
    transactions: bool = Field(
        default=True,
        description="each batch's outputs, state and input offsets in one Kafka transaction "
        "(exactly once for read_committed consumers); false: at least once",
    )
    worker_id: str | None = Field(
        default=None,
        description="stable name of this worker, part of its transactional ids (a replacement "
        "with the same name fences the old one at once); default: host name and web port",
    )
    transaction_timeout_seconds: float = Field(
        default=15.0,
        ge=1.0,
        le=900.0,
        description="the broker aborts a transaction left open this long (a killed worker's)",
    )

    # --- input validation ----------------------------------------------------------------
    brands: Path = Field(default_factory=sample_brands_path)
    max_message_bytes: int = Field(default=1_048_576, ge=1024)
    deadletter_max_bytes: int = Field(
        default=262_144,
        ge=4096,
        description="largest dead letter; a larger original is cut (hash and size kept)",
    )
    max_text_chars: int = Field(default=40_000, ge=1)
    max_future_seconds: float = Field(default=3600.0, ge=0)
    dedup_ttl_seconds: float = Field(default=6 * 3600.0, gt=0)
    dedup_sweep_seconds: float = Field(default=300.0, gt=0)

    # --- processing ----------------------------------------------------------------------
    batch_size: int = Field(default=256, ge=1, le=10_000)
    batch_within_seconds: float = Field(default=0.05, gt=0)
    lang_min_confidence: float = Field(default=0.3, ge=0, le=1)
    sentiment_model: str = Field(
        default="e5",
        description="'e5' (shipped fine-tuned e5), 'e5:FOLDER', 'linear' (shipped), "
        "'linear:FOLDER', or a Hugging Face model name or local folder",
    )
    sentiment_label_map: str | None = None
    sentiment_device: str | None = None
    sentiment_quantize: Literal["int8", "none"] = Field(
        default="int8", description="e5 models: int8 on ONNX Runtime (faster) or float32 torch"
    )
    sentiment_threads: int | None = Field(
        default=None, ge=1, le=256, description="torch intra-op threads; default: torch's own"
    )
    sentiment_fallback_lag: int = Field(
        default=20_000, ge=0, description="consumer lag that switches to the linear model; 0=never"
    )
    topics: Path = Field(
        default_factory=default_topics_path, description="YAML file of the topic taxonomy"
    )
    topics_method: Literal["keywords", "e5", "e5+keywords", "off"] = Field(
        default="keywords",
        description="how mentions get topics: the taxonomy's keywords, the e5 head, both, or none",
    )

    # --- crisis windows, detection and alerts ----------------------------------------------
    crisis_window_seconds: int = Field(
        default=60, ge=10, le=86_400, description="width of the per-brand event-time windows"
    )
    window_lateness_seconds: float = Field(
        default=120.0,
        ge=0,
        validation_alias=AliasChoices(
            "BUZZWIRE_WINDOW_LATENESS_SECONDS",
            "BUZZWIRE_CRISIS_LATENESS_SECONDS",  # its earlier name, still read
            "window_lateness_seconds",
        ),
        description="how long after its end a window (crisis or benchmark) still takes mentions",
    )
    crisis_tick_seconds: float = Field(
        default=5.0, gt=0, description="how often windows are closed when no mentions arrive"
    )
    crisis_max_catchup_windows: int = Field(default=10_080, ge=1)
    crisis_scales: str = Field(
        default="1,5,15",
        description="widths each brand is watched at, as multiples of the crisis window "
        "(comma-separated, 1 included): 1,5,15 is 1, 5 and 15 minutes",
    )
    crisis_insight: bool = Field(
        default=True,
        description="near-duplicates, author caps and term trends per brand: the detectors "
        "count organic mentions, copy-paste bursts open coordinated threads, alerts explain",
    )
    alert_min_mentions: int = Field(
        default=10, ge=1, description="fewest mentions of the signal in a window to open an alert"
    )
    alert_min_ratio: float = Field(
        default=3.0, ge=1.0, description="an alert opens at this many times the expected value"
    )
    alert_obvious_ratio: float = Field(
        default=12.0, ge=1.0, description="this many times expected opens an alert, any score"
    )
    alert_detector_threshold: float = Field(
        # the detector's own default (streams.crisis.detector.DEFAULT_CONFIG; a test keeps
        # the two equal: settings import nothing from the domains)
        default=0.6,
        gt=0,
        le=1,
        description="anomaly score at which a window can open an alert",
    )
    alert_count_threshold: float = Field(
        # the count test's own default (streams.crisis.count_test.DEFAULT_COUNT_TEST; a test
        # keeps the two equal)
        default=9.0,
        ge=0,
        description="CUSUM (log-likelihood ratio) at which the count test of negative "
        "mentions opens an alert; 0: off",
    )
    alert_resolve_windows: int = Field(
        default=10, ge=1, description="quiet windows in a row that resolve an open alert"
    )
    alert_cooldown_seconds: float = Field(
        default=3600.0, ge=0, description="a new trigger this soon after a resolve reopens it"
    )
    alert_update_windows: int = Field(
        default=15, ge=1, description="an open alert sends an update at least this often"
    )
    alert_samples: int = Field(default=5, ge=1, le=50)
    alert_routes: Path | None = Field(
        default=None, description="YAML file of alert delivery routes (webhook / Slack)"
    )
    alert_delivery_attempts: int = Field(default=5, ge=1, le=50)
    alert_delivery_backoff_seconds: float = Field(default=1.0, gt=0)

    # --- rolling benchmarks ------------------------------------------------------------------
    benchmark_windows: str = Field(
        default="1h:5m,24h:1h,7d:6h",
        description="hopping windows as size:hop, comma-separated (share of voice, sentiment...)",
    )

    # --- the mention store (PostgreSQL; docs/store.md) --------------------------------------
    database_url: SecretStr | None = Field(
        default=None,
        description="the store's PostgreSQL URL, postgresql://user:password@host:port/db "
        "(a secret); unset: no store",
    )
    database_pool_size: int = Field(default=5, ge=1, le=100)
    store_retention_months: int = Field(
        default=0, ge=0, description="months of mentions and benchmarks kept; 0 keeps all"
    )
    sink_group_id: str | None = Field(
        default=None, description="the sink's consumer group; default: <app id>-sink"
    )
    sink_batch_size: int = Field(
        default=2000, ge=1, le=50_000, description="most records the sink writes at once"
    )
    sink_batch_seconds: float = Field(
        default=0.5, gt=0, le=60, description="longest the sink waits to fill a batch"
    )
    sink_web_port: int = Field(default=6067, description="port of the sink's /metrics, /ready")
    sink_retry_max_seconds: float = Field(
        default=30.0, gt=0, description="longest pause between tries while the database is down"
    )

    # --- the web app: the response inbox (buzzwire web; docs/web.md) -------------------------
    ui_port: int = Field(default=8080, ge=1, le=65535, description="port of buzzwire web")
    ui_bind: str = Field(default="127.0.0.1", description="address buzzwire web binds")
    ui_secure_cookies: bool = Field(
        default=False, description="Secure session cookies even when served over plain http"
    )
    ui_session_hours: float = Field(
        default=12.0, gt=0, le=24 * 90, description="a web session expires after this long"
    )
    ui_forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="proxies whose X-Forwarded-For/-Proto are believed (comma-separated IPs or "
        "networks): the client address the login rate limit counts",
    )

    @field_validator("ui_forwarded_allow_ips")
    @classmethod
    def _no_wildcard_proxy(cls, value: str) -> str:
        if "*" in value:
            # behind '*' the left-most X-Forwarded-For address wins: the client chooses it
            raise ValueError("list the proxies' addresses; '*' would let clients pick their own")
        return value

    inbox_webhook_url: SecretStr | None = Field(
        default=None, description="URL that gets every inbox change (a secret: may hold a token)"
    )
    inbox_webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key of the X-Buzzwire-Signature of inbox webhooks"
    )

    @field_validator("database_url")
    @classmethod
    def _database_driver(cls, value: SecretStr | None) -> SecretStr | None:
        """postgres:// and postgresql:// (what most hosts hand out) use psycopg 3."""
        if value is None or not value.get_secret_value().strip():
            return None
        url = value.get_secret_value().strip()
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return SecretStr("postgresql+psycopg://" + url[len(plain) :])
        if not url.startswith("postgresql+psycopg://"):
            # never echo the URL: it holds the password
            raise ValueError("must be a postgresql:// URL")
        return SecretStr(url)

    @property
    def sink_group(self) -> str:
        return self.sink_group_id or f"{self.app_id}-sink"

    @field_validator("benchmark_windows")
    @classmethod
    def _benchmark_windows(cls, value: str) -> str:
        parse_hopping(value)  # raises ValueError with the reason
        return value

    @field_validator("crisis_scales")
    @classmethod
    def _crisis_scales(cls, value: str) -> str:
        scales = parse_scales(value)  # raises ValueError with the reason
        return ",".join(str(k) for k in scales)

    @property
    def crisis_scale_factors(self) -> tuple[int, ...]:
        """``crisis_scales`` as integers, ascending (``AlertConfig.scales``)."""
        return parse_scales(self.crisis_scales)

    @field_validator("broker_url")
    @classmethod
    def _broker_scheme(cls, value: str) -> str:
        for part in value.split(";"):
            if not part.strip().startswith(("kafka://", "aiokafka://")):
                raise ValueError(f"broker URL {part!r} must start with kafka://")
        return value

    def topic(self, name: str) -> str:
        """Full topic name with the configured prefix (e.g. for per-tenant isolation)."""
        return f"{self.topic_prefix}{name}"

    @property
    def compression_type(self) -> str | None:
        """``producer_compression`` as Kafka clients take it (None: uncompressed)."""
        return None if self.producer_compression == "none" else self.producer_compression

    @property
    def bootstrap_servers(self) -> str:
        """The broker URL in aiokafka's host:port[,host:port] form."""
        hosts = []
        for part in self.broker_url.split(";"):
            hosts.append(part.strip().split("://", 1)[1].rstrip("/"))
        return ",".join(hosts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
