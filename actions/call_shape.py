"""The action server refuses a call whose body is not an action call, and never echoes a body.

rasa-sdk reads `/webhook`'s body as JSON and calls `.get` on it: a list, a string or a number
raised AttributeError, and rasa-sdk's own error handler answered 500 with the error and the
whole request body (`{"error": ..., "request_body": [...]}`), so whatever a caller sent, a
shopper's address in a tracker included, came back in the answer (issue 18). Here:

* `/webhook` answers 400 with a fixed sentence per problem unless the body is a JSON object
  shaped as Rasa sends it (`next_action` and `version` strings, `tracker` an object with a string
  `sender_id`, `slots`, `latest_message` and `domain` objects, `events` a list of objects);
  the sentence never quotes the body.
* Any other failure answers 500 with a fixed sentence; rasa-sdk logs the error (PII-masked by
  `actions.access`), it is not sent back.

The shape is what Rasa's `DialogueStateTracker.current_state()` produces, with `null` allowed
where rasa-sdk copes with it (`latest_message: null` it does not: its tracing calls `.get` on it).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import pluggy
from sanic import Request, Sanic
from sanic.response import HTTPResponse
from sanic.response import json as json_response

hookimpl = pluggy.HookimplMarker("rasa_sdk")

WEBHOOK = "/webhook"
NOT_JSON = "the body is not valid JSON"
NOT_AN_OBJECT = "the body must be a JSON object (an action call)"
SERVER_ERROR = "the action server could not run this call"

#: tracker field -> (allowed JSON types, whether null is allowed): Rasa's current_state().
TRACKER_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "slots": (dict, False),
    "latest_message": (dict, False),  # rasa-sdk's tracing reads it, even null
    "events": (list, False),
    "paused": (bool, False),
    "followup_action": (str, True),
    "active_loop": (dict, True),
    "latest_action_name": (str, True),
}


def decode_body(raw: bytes, content_encoding: str | None) -> tuple[Any, str | None]:
    """(the decoded JSON, None) or (None, why not), for a body as rasa-sdk would read it."""
    try:
        if (content_encoding or "").lower() == "deflate":
            raw = zlib.decompress(raw)
        return json.loads(raw), None
    except (zlib.error, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None, NOT_JSON


def _field_problem(name: str, value: Any, kinds: type | tuple[type, ...], nullable: bool) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, kinds) or (kinds is not bool and isinstance(value, bool)):
        names = " or ".join(k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,)))
        kind = {"dict": "an object", "list": "a list", "str": "a string", "bool": "true or false"}
        return f"{name} must be {kind.get(names, names)}"
    return None


def call_problem(call: Any) -> str | None:
    """Why `call` is not an action call as Rasa sends it, in a sentence that quotes nothing; None: fine."""
    if not isinstance(call, dict):
        return NOT_AN_OBJECT
    if "next_action" in call and (problem := _field_problem("next_action", call["next_action"], str, True)):
        return problem
    if "version" in call and (problem := _field_problem("version", call["version"], str, True)):
        return problem  # rasa-sdk's version check splits it
    if "domain" in call and (problem := _field_problem("domain", call["domain"], dict, True)):
        return problem
    if not call.get("next_action"):
        return None  # rasa-sdk answers an empty call itself, without reading a tracker
    tracker = call.get("tracker")
    if not isinstance(tracker, dict):
        return "tracker must be an object"
    if not isinstance(tracker.get("sender_id"), str):
        return "tracker.sender_id must be a string"
    for name, (kinds, nullable) in TRACKER_FIELDS.items():
        if name in tracker and (problem := _field_problem(f"tracker.{name}", tracker[name], kinds, nullable)):
            return problem
    if any(not isinstance(event, dict) for event in tracker.get("events") or []):
        return "tracker.events must hold objects"
    return None


async def refuse_calls_that_are_not_action_calls(request: Request) -> HTTPResponse | None:
    if request.path != WEBHOOK or request.method != "POST":
        return None
    call, problem = decode_body(request.body, request.headers.get("Content-Encoding"))
    problem = problem or call_problem(call)
    if problem:
        return json_response({"error": problem}, status=400)
    return None


async def answer_failures_without_the_body(request: Request, response: HTTPResponse) -> HTTPResponse | None:
    """Replaces the 500 answer of rasa-sdk's error handler, which held the whole request body.

    (A response middleware: Sanic allows one handler per exception class, and rasa-sdk's is
    registered before any plugin runs. rasa-sdk has already logged the error, masked.)
    """
    if response.status >= 500:
        return json_response({"error": SERVER_ERROR}, status=response.status)
    return None


class ActionCallShape:
    """The rasa-sdk plugin: the shape check on /webhook and failures answered without the body."""

    # pluggy calls the last registered plugin first: trylast keeps the token check (registered
    # before this) ahead of the shape check, so a caller without the secret learns nothing.
    @hookimpl(trylast=True)
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        app.register_middleware(refuse_calls_that_are_not_action_calls, "request")
        app.register_middleware(answer_failures_without_the_body, "response")
