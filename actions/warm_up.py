"""Loading search, policies and the recommender as the action server starts serving.

A rasa-sdk plugin (registered by `rasa_sdk_plugins`), so the load runs in the process that
serves, after Sanic has set up its worker. Started any earlier (at import), the loading libraries
(tqdm's lock, torch) could fix the multiprocessing start method to "fork" before Sanic fixed it
to "spawn", and the action server then refused to start: a race that failed one start in a few.
"""

from __future__ import annotations

import os
import threading

import pluggy
from sanic import Sanic

from actions import services

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class ServiceWarmUp:
    """The rasa-sdk plugin: after the server starts, load every service in the background."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        if os.environ.get("SHOPBOT_ACTIONS_WARMUP", "1") == "0":
            return

        @app.after_server_start
        async def warm_up_services(_app: Sanic) -> None:
            threading.Thread(target=services.warm_up, name="actions-warm-up", daemon=True).start()
