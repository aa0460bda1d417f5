"""What the assistant did and what came of it: the owner's report, read from data it already keeps.

`analytics.report.build_report(shop_engine, tracker_engine, days=N)` reads Rasa's tracker store
(`analytics.tracker`) and the shop database's events, orders and tickets (`analytics.shop_activity`)
and returns one `Report`; `shopbot report` prints it, the dashboard page draws it.
"""
