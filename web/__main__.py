"""`python -m web --port 8080`: serve the demo shop page and its chat proxy.

Reads DATABASE_URL, SHOPBOT_RASA_URL, SHOPBOT_RASA_TOKEN and SHOPBOT_IDENTITY_SECRET from the
environment (see shop/config.py).
"""

from __future__ import annotations

import argparse
import logging

from web.app import create_app


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m web", description="Serve the demo shop page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--access-log", action="store_true", help="log every request")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.getLogger("web").setLevel(logging.INFO)
    app = create_app()
    # One process: the page is light, and the machine's cores belong to Rasa and the actions.
    app.run(host=args.host, port=args.port, single_process=True, motd=False, access_log=args.access_log)


if __name__ == "__main__":
    main()
