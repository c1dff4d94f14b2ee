"""``kiosk demo``: the whole system on one machine.

An embedded hub on SQLite in a local folder, a demo site seeded through the hub's
admin API, a terminal enrolled with it, the sync loop in a thread, and the kiosk with
virtual devices (``window``) or a scripted service of diners (``headless``).
"""
