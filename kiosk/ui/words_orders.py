"""The words of orders on the kiosk and the till, in French and English (merged into
``kiosk.ui.words``): the pickup screen, the diner's orders, the till's Commandes
screen, and the refusals of the order rules."""

from __future__ import annotations

from sync.protocol.reasons import RejectReason

ORDER_MESSAGES: dict[str, tuple[str, str]] = {
    "kiosk.my_orders": ("Mes commandes", "My orders"),
    "kiosk.current_orders": ("Commandes en cours", "Current orders"),
    "kiosk.no_orders": ("Aucune commande en cours", "No current order"),
    "kiosk.order_history": ("Commandes passées", "Past orders"),
    "kiosk.notify_off": ("E-mail si prête : non", "E-mail when ready: no"),
    "kiosk.notify_on": ("E-mail si prête : oui", "E-mail when ready: yes"),
    "kiosk.order_line": ("{code} · {state} · {pickup}", "{code} · {state} · {pickup}"),
    "kiosk.pickup": ("Retrait {day}", "Pickup {day}"),
    "kiosk.pickup_slot": ("Retrait {day}, {slot}", "Pickup {day}, {slot}"),
    "kiosk.choose_pickup": ("Quand retirer votre commande ?", "When will you collect it?"),
    "kiosk.pickup_day": ("Jour", "Day"),
    "kiosk.pickup_slot_title": ("Créneau", "Slot"),
    "kiosk.no_pickup_day": (
        "Plus de jour possible pour ces articles : voyez les délais de commande",
        "No day left for these items: see their order deadlines",
    ),
    "kiosk.order_code": ("Commande {code}", "Order {code}"),
    "kiosk.order_code_hint": (
        "Donnez ce code ou montrez ce QR code au comptoir",
        "Give this code or show this QR code at the counter",
    ),
    "kiosk.cancel_order": ("Annuler {code}", "Cancel {code}"),
    "kiosk.order_cancelled": (
        "Commande {code} annulée : remboursement sur votre compte sous peu",
        "Order {code} cancelled: refunded to your account shortly",
    ),
    "kiosk.order_sold_out": (
        "Commande {code} annulée (quantité du jour atteinte) et remboursée",
        "Order {code} cancelled (the day's quantity was reached) and refunded",
    ),
    "order.placed": ("enregistrée", "placed"),
    "order.ready": ("prête", "ready"),
    "order.collected": ("retirée", "collected"),
    "order.cancelled": ("annulée", "cancelled"),
    "order.pending": ("en attente", "pending"),
    "cashier.orders": ("Commandes", "Orders"),
    "orders.title": ("Commandes du jour", "Today's orders"),
    "orders.tap": (
        "Badge du convive ou QR code de la commande",
        "The diner's badge or the order's QR code",
    ),
    "orders.none": ("Aucune commande à remettre aujourd'hui", "No order to hand over today"),
    "orders.hand_over": ("Remettre", "Hand over"),
    "orders.handed": ("Commande {code} remise", "Order {code} handed over"),
}

ORDER_REASONS: dict[RejectReason, tuple[tuple[str, str], tuple[str, str]]] = {
    RejectReason.ORDER_CLOSED: (
        ("Commande close pour ce jour", "Ordering closed for that day"),
        ("Choisissez un autre jour de retrait", "Choose another pickup day"),
    ),
    RejectReason.ORDER_NOT_OFFERED: (
        ("Article non proposé ce jour-là", "Item not offered that day"),
        ("Choisissez un autre jour de retrait", "Choose another pickup day"),
    ),
    RejectReason.ORDER_SLOT: (
        ("Créneau de retrait à choisir", "Choose a pickup slot"),
        ("Choisissez un créneau proposé", "Choose one of the slots offered"),
    ),
    RejectReason.ORDER_SOLD_OUT: (
        ("Quantité du jour atteinte", "The day's quantity is reached"),
        ("Choisissez un autre jour ou moins d'articles", "Choose another day or fewer items"),
    ),
    RejectReason.ORDER_UNKNOWN: (
        ("Commande inconnue", "Unknown order"),
        ("Vérifiez le code de la commande", "Check the order's code"),
    ),
    RejectReason.ORDER_NOT_YOURS: (
        ("Cette commande est celle d'un autre convive", "This order is another diner's"),
        ("Badgez avec le badge de la commande", "Tap the badge the order was made with"),
    ),
    RejectReason.ORDER_COLLECTED: (
        ("Commande déjà remise", "Order already handed over"),
        ("Rien à remettre", "Nothing to hand over"),
    ),
    RejectReason.ORDER_CANCELLED: (
        ("Commande annulée", "Order cancelled"),
        ("Elle a été remboursée : rien à remettre", "It was refunded: nothing to hand over"),
    ),
    RejectReason.ORDER_NOT_TODAY: (
        ("Commande à retirer un autre jour", "Order to collect on another day"),
        ("Revenez le jour du retrait", "Come back on the pickup day"),
    ),
}
