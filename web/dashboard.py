"""The owner's dashboard (issue 16): the `shopbot report` figures and charts, behind the agent login.

    GET /agents/dashboard?days=7              the page (an agent not logged in goes to /agent)
    GET /agents/dashboard/<chart>.svg?days=7  one chart (web/dashboard_charts.py); 401 without login

The report is built from the shop database and Rasa's tracker store
(`SHOPBOT_TRACKER_DATABASE_URL`) by `analytics.report`, once a minute at most per window.
"""

from __future__ import annotations

import asyncio
import html
import time
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse, raw, redirect
from sqlalchemy import Engine

from analytics.cli import tracker_engine
from analytics.report import build_report
from shop.config import Settings
from web.agent_auth import current_agent, require_agent
from web.dashboard_charts import CHARTS

#: Seconds a report is reused (the page and its four charts ask for the same one).
CACHE_SECONDS = 60
#: The SVG charts carry inline styles (matplotlib's); they hold no script.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"
WINDOWS = {"1": 1.0, "7": 7.0, "30": 30.0, "all": None}


def _days(request: Request) -> str:
    days = request.args.get("days", "30")
    return days if days in WINDOWS else "30"


def _page(report: dict[str, Any], days: str, agent_name: str) -> str:
    lists = report["lists"]["all"]
    revenue = ", ".join(f"{v} {c}" for c, v in report["chat_orders"]["revenue"].items()) or "0"
    figures = [
        ("Conversations", report["conversations"]),
        ("Verified resolution", f"{report['resolution']['rate']:.0%}"),
        ("Containment", f"{report['containment']['rate']:.0%}"),
        ("Handoffs", report["handoff"]["count"]),
        ("Fallback rate", f"{report['fallback']['rate']:.1%}"),
        ("Search zero results", f"{report['search']['zero_result_rate']:.0%}"),
        ("List click-through", f"{lists['click_through_rate']:.1%}"),
        ("Chat orders", report["chat_orders"]["count"]),
        ("Chat revenue", revenue),
    ]
    tiles = "".join(
        f'<div class="tile"><span>{html.escape(name)}</span><strong>{html.escape(str(value))}</strong></div>'
        for name, value in figures
    )
    windows = "".join(
        f'<a href="?days={key}"{" aria-current=page" if key == days else ""}>'
        f"{'all time' if key == 'all' else f'{key} day' + ('s' if key != '1' else '')}</a>"
        for key in WINDOWS
    )
    charts = "".join(
        f'<figure class="chart" data-chart="{name}"><img src="/agents/dashboard/{name}.svg?days={days}" '
        f'alt="{name} chart"></figure>'
        for name in CHARTS
    )
    queries = "".join(
        f"<li>{html.escape(q['query'])} ({q['count']})</li>"
        for q in report["search"]["top_zero_result_queries"]
    )
    missed = "".join(f"<li>{html.escape(m['text'])} ({m['count']})</li>" for m in report["not_understood"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Assistant dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/dashboard.css"></head>
<body><header><h1>How the assistant does</h1><p>Logged in as {html.escape(agent_name)} ·
<a href="/agent">agent console</a></p><nav>{windows}</nav></header>
<section class="tiles">{tiles}</section>
<section class="charts">{charts}</section>
<section class="lists"><div><h2>Searches that found nothing</h2><ol>{queries or "<li>none</li>"}</ol></div>
<div><h2>Messages not understood (masked)</h2><ol>{missed or "<li>none</li>"}</ol></div></section>
</body></html>"""


def register_dashboard_routes(app: Sanic, settings: Settings, engine: Engine) -> None:
    tracker = tracker_engine(settings.tracker_database_url)
    cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def report(days: str) -> dict[str, Any]:
        cached = cache.get(days)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        data = build_report(engine, tracker, days=WINDOWS[days]).to_dict()
        cache[days] = (time.monotonic(), data)
        return data

    @app.get("/agents/dashboard", name="agents_dashboard")
    async def dashboard(request: Request) -> HTTPResponse:
        agent = await current_agent(request)
        if agent is None:
            return redirect("/agent")
        days = _days(request)
        data = await asyncio.to_thread(report, days)
        return raw(_page(data, days, agent.name).encode(), content_type="text/html; charset=utf-8")

    @app.get("/agents/dashboard/<chart:str>", name="agents_dashboard_chart")
    @require_agent
    async def chart(request: Request, chart: str) -> HTTPResponse:
        draw = CHARTS.get(chart.removesuffix(".svg")) if chart.endswith(".svg") else None
        if draw is None:
            return raw(b"unknown chart", status=404, content_type="text/plain")
        data = await asyncio.to_thread(report, _days(request))
        svg = await asyncio.to_thread(draw, data)
        return raw(svg, content_type="image/svg+xml", headers={"Content-Security-Policy": CHART_CSP})
