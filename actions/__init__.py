"""Rasa custom actions: thin adapters from the conversation to the shop, search and recommender.

Run with `.venv/bin/python -m rasa_sdk --actions actions`. Every `Action` subclass in this
package's modules is registered. The business rules live in `shop/`, `search/` and
`recommender/`; an action only reads slots, calls them and turns the result into messages.
"""
