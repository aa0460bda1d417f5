"""Nothing is downloaded at run time: the model loads and embeds with networking disabled."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from shop.config import REPO_ROOT


def test_the_model_loads_and_embeds_with_every_socket_connection_refused():
    script = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network disabled by the test")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse

        from search.embedding import Embedder

        vectors = Embedder(threads=1).encode(["waterproof hiking jacket"])
        assert vectors.shape == (1, 384), vectors.shape
        print("embedded offline")
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "embedded offline" in done.stdout
