"""Validate action-server responses with one prebuilt JSON-schema validator.

Rasa 3.6 checks every response of the action server with `jsonschema.validate(result, schema)`.
That function first validates the *schema itself* against the JSON-Schema meta-schema, on every
call; with the jsonschema 4.17 that Rasa 3.6 allows (<4.18), the meta-schema check (draft
2020-12, `$dynamicRef`) costs 50-130 ms of CPU per custom-action call on this machine, more than
Rasa's NLU and dialogue models together, and a form turn makes two or three such calls
(RasaHQ/rasa#11717 reports the slowdown; profile and figures in BENCHMARKS.md, "Load
(production profile)").

`install()` replaces `RemoteAction._validate_action_result` with the same validation by a
validator built once: same schema, same validator class (`validator_for(schema)`, as
`jsonschema.validate` picks it), same `best_match` error. On a failure it calls Rasa's own
method, so an invalid response is rejected with exactly Rasa's error and message.

Runs in the Rasa environment (Python 3.10); installed by bot/resilient_rest.py when Rasa loads
its channels. Pinned to Rasa 3.6 (bot/requirements.txt): a Rasa upgrade must re-check it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction

_rasa_validate_action_result = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of on every response
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if exceptions.best_match(response_validator().iter_errors(result)) is None:
        return True
    return _rasa_validate_action_result(self, result)  # raises Rasa's own ValidationError


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
