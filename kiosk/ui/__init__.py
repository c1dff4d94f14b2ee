"""The pygame touch UI: till (cashier + diner) and self-service kiosk.

Modules: ``shell`` (window, frame loop, status bar), ``manager`` (screen ids and
transitions), ``screens_*`` (the screens of each flow), ``widgets``, ``theme``,
``i18n`` (the fr/en message catalogue) and ``words`` (its word tables), ``events``
(device inputs as pygame events), ``worker`` (engine calls off the drawing path),
``model`` (settings, catalogue, ticket lines, printer and payment interfaces - no
pygame); every sale goes through ``kiosk.service.TillService``. pygame is imported
only here.

Errors: the UI raises no exceptions of its own; engine faults met by a job are shown
as a toast and logged, business refusals are ``Refused`` results shown on the
refused screen.
"""
