"""SMS: Twilio's signed webhook (webhook.py) and its speed adapters (hooks.py, inbound_store.py),
the stored inbound texts and what is done with them (actions.py, the only module here that
commits), the pure conversation (dialogue.py, keywords.py, parsing.py), the effects of a reply
(effects.py, feedback.py) and the coordinator's console and simulator (console.py).
"""
