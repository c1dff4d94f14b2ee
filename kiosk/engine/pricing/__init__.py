"""Canteen pricing, pure (no I/O): a tray, a tariff profile and the site menu
(``sync.protocol.catalogue.SiteMenu``) give a ``PricedTicket``.

    ticket = price_tray(menu, "employee", ["salad", "steak", "tart"], subsidised_today=False)

Refusals are results, not exceptions: ``price_tray`` returns ``PricingRefused`` with a
``RejectReason`` (``EMPTY_TRAY``, ``UNKNOWN_ITEM``, ``UNKNOWN_PROFILE``,
``GUEST_BILLING``) that the engine passes on as is. The package raises nothing on
bad input; a ``SiteMenu`` is valid by construction.

The rules, in the order they apply (all amounts integer cents incl. VAT):

1. **Profile prices.** An item costs the profile's override, else its catalogue price
   times the profile's coefficient; formula prices and supplements likewise (override,
   else times the coefficient). Coefficients round half up to the cent.
2. **VAT rate of an item.** Its on-site rate (10 %; 20 % for alcohol); on a take-away
   ticket, items flagged ``take_away`` (packaged food that keeps) use their take-away
   rate (5.5 %), other items keep the on-site rate (immediate consumption).
3. **Formulas** (``optimiser``). The meal items are split into formula instances and
   a-la-carte lines so that the total is the lowest possible, exactly; ties go to the
   fewest formulas, then the menu's order. A formula that saves nothing is not applied.
   An instance may leave slots empty (its price is a ceiling), so adding an item to a
   tray never lowers the price before subsidy. Alcohol and items with ``meal = false``
   are always a-la-carte.
4. **Formula VAT.** An instance's price is split over the VAT rates of its items in
   proportion to their a-la-carte prices (largest remainder, see ``vat.allocate``);
   each supplement belongs to its item's rate.
5. **Admission fee.** Charged once per ticket when the tray is a meal (a meal item of
   one of ``settings.meal_categories``); the diner pays ``fee - employer_share``.
6. **Subsidy.** Only if the profile names a rule, the diner did not have it earlier
   today (``subsidised_today``), the tray is a meal and holds the rule's ``requires``
   slots. Base = the meal lines (meal items a-la-carte and formulas). Amount = the
   rule's fixed amount, or its share of the base rounded half up, then capped by
   ``cap`` and by the base, and lowered so that the diner still pays at least
   ``settings.bik_floor`` for the meal (base + the diner's admission share); nothing
   below zero. It is a negative line split over the meal's VAT rates like a formula
   price, so no rate ever goes negative. ``subsidy_granted`` is true when it is more
   than zero.
7. **Total** = a-la-carte lines + formula lines + the diner's admission share
   - subsidy; never below zero.
8. **VAT breakdown (rounding rule).** For each rate, the ticket's amounts at that rate
   are added up incl. VAT (``total``); ``vat = total * rate / (10000 + rate)`` rounded
   half up to the cent (halves away from zero), and ``base = total - vat``. So the
   rows' totals sum exactly to the ticket's total, and the daily closure adds up rows
   rate by rate.

Guest meals: a profile with ``guest = true`` must be priced with ``bill_to`` (the host
account or a cost centre), and only such a profile may be; the ticket repeats it.
"""

from kiosk.engine.pricing.pricer import PricingRefused, price_tray, vat_rate_of
from sync.protocol.ticket import BillingKind, BillTo, PricedTicket, SubsidyStatus

__all__ = [
    "BillTo",
    "BillingKind",
    "PricedTicket",
    "PricingRefused",
    "SubsidyStatus",
    "price_tray",
    "vat_rate_of",
]
