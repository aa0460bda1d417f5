"""A real terminal session with `shopbot chat` under a pseudo-terminal (pexpect).

What a person sees and types: a question with numbered buttons, "2" pressing the second button,
the arrow keys bringing back earlier lines, Ctrl-D leaving.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

from tests.chat.rasa_double import RasaDouble

SHOPBOT = Path(sys.executable).parent / "shopbot"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
UP = "\x1b[A"


def test_a_terminal_session_chooses_a_numbered_button_and_recalls_history(
    rasa: RasaDouble, tmp_path: Path
) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": ""}
    child = pexpect.spawn(
        str(SHOPBOT),
        ["chat", "--url", rasa.url, "--history-file", str(tmp_path / "history")],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    transcript: list[str] = []

    def wait_for(pattern: str) -> str:
        child.expect(pattern)
        seen = ANSI.sub("", (child.before or "") + (child.after or ""))
        transcript.append(seen)
        return seen

    try:
        wait_for("chatting as a guest")
        wait_for("you ›")
        child.sendline("hello")
        seen = wait_for(r"No\s")
        assert "Shall I show you this week's deals?" in seen
        assert re.search(r"\[1\] Yes\s+\[2\] No", seen)
        wait_for("you ›")

        child.sendline("2")  # presses "No"
        wait_for("→ No")
        wait_for("You chose no")
        assert rasa.requests[-1]["message"] == "/deny"
        wait_for("you ›")

        child.send(UP + UP)  # back past "2" to "hello"
        child.send("\r")
        wait_for("Shall I show you")
        assert [r["message"] for r in rasa.requests] == ["hello", "/deny", "hello"]
        wait_for("you ›")

        child.sendeof()
        wait_for("Bye!")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, "\n".join(transcript)
    assert (tmp_path / "history").read_text().count("+hello") == 2  # remembered for the next session
