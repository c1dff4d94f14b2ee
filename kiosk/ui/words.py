"""The words themselves: every (French, English) pair a person reads, by key.

``MESSAGES`` holds the screen and ``kiosk`` command messages; ``ALLERGENS``,
``CODE_REJECTS``, ``SUBSIDY`` and ``REASONS`` word the codes that must never reach a
person raw. ``kiosk.ui.i18n`` picks the half in the language shown and formats it.
No pygame here.
"""

from __future__ import annotations

from kiosk.ui.words_orders import ORDER_MESSAGES, ORDER_REASONS
from sync.protocol.reasons import RejectReason

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (français, English)
    "lang.other": ("English", "Français"),
    "status.online": ("En ligne", "Online"),
    "status.offline": ("Hors ligne depuis {since}", "Offline for {since}"),
    "status.never_synced": ("Hors ligne : jamais synchronisé", "Offline: never synced"),
    "status.till_closed": ("Caisse fermée", "Till closed"),
    "status.offline_cap": ("Plafond hors ligne : {cap} par convive", "Offline cap: {cap} a diner"),
    "status.incidents": ("Incidents : {count}", "Incidents: {count}"),
    "status.journal_behind": (
        "Journal incomplet : ventes arrêtées",
        "Journal incomplete: sales stopped",
    ),
    "cashier.incidents": ("Incidents du site", "Site incidents"),
    "incidents.title": ("Incidents du site à traiter", "Site incidents to settle"),
    "incidents.none": ("Aucun incident", "No incident"),
    "incidents.overdraft": (
        "Découvert : {name}, {amount} sous le plancher (caisses {tills})",
        "Overdraft: {name}, {amount} below the floor (tills {tills})",
    ),
    "incidents.double_subsidy": (
        "Subvention accordée deux fois : {name}, {amount} (caisses {tills})",
        "Subsidy granted twice: {name}, {amount} (tills {tills})",
    ),
    "status.card_pending": (
        "Paiement carte à vérifier : {count}",
        "Card payment to check: {count}",
    ),
    "fault.reader": ("Lecteur de badge : {message}", "Badge reader: {message}"),
    "fault.scanner": ("Lecteur de QR code : {message}", "QR scanner: {message}"),
    "fault.printer": ("Imprimante : {message}", "Printer: {message}"),
    "fault.payment": ("Terminal de paiement : {message}", "Card terminal: {message}"),
    "fault.other": ("Appareil {source} : {message}", "Device {source}: {message}"),
    "fault.disconnected": ("débranché", "disconnected"),
    "fault.paper_out": ("plus de papier", "out of paper"),
    "fault.error": ("en panne", "not working"),
    "fault.not_found": ("introuvable", "not found"),
    "fault.unavailable": ("pilote ou service absent", "driver or service missing"),
    "fault.io_error": ("erreur de communication", "communication error"),
    "fault.cover_open": ("capot ouvert", "cover open"),
    "fault.offline": ("hors ligne", "offline"),
    "fault.internal": ("erreur interne", "internal error"),
    "category.starter": ("Entrées", "Starters"),
    "category.main": ("Plats", "Mains"),
    "category.side": ("Accompagnements", "Sides"),
    "category.cheese": ("Fromages", "Cheese"),
    "category.dessert": ("Desserts", "Desserts"),
    "category.drink": ("Boissons", "Drinks"),
    "category.bread": ("Pain", "Bread"),
    "category.snack": ("Snacking", "Snacks"),
    "category.service": ("Services", "Services"),
    "till.title": ("Caisse", "Till"),
    "till.tray": ("Plateau", "Tray"),
    "till.empty_tray": ("Plateau vide", "Empty tray"),
    "till.total": ("Total", "Total"),
    "till.total_a_la_carte": ("Total à la carte", "À la carte total"),
    "till.receipt": ("Ticket", "Receipt"),
    "till.tap_badge": ("Badgez pour payer", "Tap a badge to pay"),
    "till.remove": ("Retirer", "Remove"),
    "till.clear": ("Vider", "Clear"),
    "menu.updated": ("Carte mise à jour", "Menu updated"),
    "till.cashier": ("Caissier", "Cashier"),
    "till.unknown_code": ("Code inconnu : {code}", "Unknown code: {code}"),
    "till.paying": ("Paiement en cours…", "Paying…"),
    "accepted.title": ("Paiement accepté", "Payment accepted"),
    "accepted.training": (
        "Ticket de formation : rien n'est débité",
        "Training ticket: nothing charged",
    ),
    "accepted.thanks": ("Bon appétit, {name} !", "Enjoy your meal, {name}!"),
    "accepted.total": ("Total", "Total"),
    "accepted.subsidy": ("Prise en charge employeur", "Employer subsidy"),
    "accepted.balance": ("Nouveau solde", "New balance"),
    "accepted.print": ("Imprimer le ticket", "Print the receipt"),
    "refused.title": ("Paiement refusé", "Payment refused"),
    "refused.shortfall": ("Il manque {amount}", "{amount} short"),
    "refused.balance": ("Solde : {amount}", "Balance: {amount}"),
    "refused.phone": ("Téléphone sur le lecteur", "A phone on the badge reader"),
    "refused.phone_then": (
        "Montrez le QR code de votre badge dématérialisé",
        "Show the QR code of your phone badge",
    ),
    "paid.title": ("Déjà payé", "Already paid"),
    "paid.since": (
        "{name} a payé il y a {seconds} s : rien n'a été encaissé",
        "{name} paid {seconds} s ago: nothing was charged",
    ),
    "paid.previous": ("Ticket n° {seq}", "Receipt no. {seq}"),
    "paid.again": ("Encaisser une 2e vente", "Charge a second sale"),
    "common.ok": ("OK", "OK"),
    "common.back": ("Retour", "Back"),
    "common.cancel": ("Annuler", "Cancel"),
    "common.confirm": ("Confirmer", "Confirm"),
    "common.done": ("Terminer", "Done"),
    "common.printed": ("Ticket imprimé", "Receipt printed"),
    "common.nothing_to_print": ("Aucun ticket à imprimer", "No receipt to print"),
    "common.wait": ("Un instant…", "One moment…"),
    "cashier.login": ("Badge caissier", "Cashier badge"),
    "cashier.login_hint": (
        "Présentez votre badge caissier",
        "Tap your cashier badge",
    ),
    "cashier.pin": ("Code PIN de {name}", "PIN for {name}"),
    "cashier.bad_pin": ("Code PIN incorrect", "Wrong PIN"),
    "cashier.pin_locked": (
        "Trop d'essais : réessayez dans {minutes} min",
        "Too many tries: try again in {minutes} min",
    ),
    "cashier.not_cashier": ("Ce badge n'est pas un badge caissier", "Not a cashier badge"),
    "cashier.menu": ("Caissier : {name}", "Cashier: {name}"),
    "cashier.cancel_last": ("Annuler la dernière vente", "Cancel the last sale"),
    "cashier.cash_top_up": ("Recharge espèces", "Cash top-up"),
    "cashier.card_top_up": ("Recharge carte bancaire", "Card top-up"),
    "cashier.card_top_up_amount": (
        "Montant à payer par carte pour {name}",
        "Card amount for {name}",
    ),
    "cashier.card_pending": ("Paiements carte en attente", "Pending card payments"),
    "cashier.card_visitor": ("Plateau visiteur par carte", "Visitor's tray by card"),
    "cashier.card_none_pending": ("Aucun paiement en attente", "No payment pending"),
    "cashier.card_visitor_label": ("visiteur", "visitor"),
    "cashier.card_ask": ("Interroger le terminal", "Ask the terminal"),
    "cashier.card_was_approved": ("Débité (ticket OK)", "Debited (ticket OK)"),
    "cashier.card_not_debited": ("Non débité", "Not debited"),
    "cashier.card_confirm_approved": (
        "Le ticket du terminal montre {amount} accepté ({ref}) : créditer ?",
        "The terminal's ticket shows {amount} approved ({ref}): credit it?",
    ),
    "cashier.card_confirm_not_debited": (
        "Aucun débit de {amount} sur le terminal ({ref}) : clore sans créditer ?",
        "No debit of {amount} on the terminal ({ref}): close without credit?",
    ),
    "cashier.reprint": ("Réimprimer un ticket", "Reprint a receipt"),
    "cashier.guest": ("Repas invité", "Guest meal"),
    "cashier.open": ("Ouvrir la caisse", "Open the till"),
    "cashier.close": ("Clôturer la caisse", "Close the till"),
    "cashier.logout": ("Fermer la session", "Log out"),
    "cashier.training": ("Mode formation", "Training mode"),
    "cashier.not_in_training": (
        "Impossible en mode formation : aucun argent ne bouge",
        "Not in training mode: no money moves",
    ),
    "cashier.training_on": ("Mode formation activé", "Training mode on"),
    "cashier.training_off": ("Mode formation arrêté", "Training mode off"),
    "cashier.training_managers": (
        "Le mode formation est choisi par un responsable",
        "Training mode is chosen by a manager",
    ),
    "training.band": (
        "MODE FORMATION · tickets sans valeur, hors de tout total",
        "TRAINING MODE · tickets of no value, in no total",
    ),
    "cashier.nothing_to_cancel": ("Aucune vente à annuler", "No sale to cancel"),
    "cashier.confirm_cancel": (
        "Annuler la vente n° {seq} de {name} ({amount}) ?",
        "Cancel sale no. {seq} of {name} ({amount})?",
    ),
    "cashier.cancelled": ("Vente n° {seq} annulée", "Sale no. {seq} cancelled"),
    "cashier.top_up_badge": ("Badge du convive à recharger", "Badge of the diner to top up"),
    "cashier.top_up_amount": ("Montant reçu en espèces pour {name}", "Cash received for {name}"),
    "cashier.confirm_top_up": (
        "Recharger {amount} en espèces sur le compte de {name} ?",
        "Top up {amount} in cash for {name}?",
    ),
    "cashier.topped_up": (
        "{name} : +{amount}, solde {balance}",
        "{name}: +{amount}, balance {balance}",
    ),
    "cashier.guest_visit": (
        "Badge de l'hôte, QR code ou visite du jour (plateau : {amount})",
        "Host's badge, visit QR code or today's visit (tray: {amount})",
    ),
    "cashier.guest_badge": (
        "Badge de l'hôte qui invite (plateau : {amount})",
        "Badge of the host (tray: {amount})",
    ),
    "cashier.guest_done": ("Repas invité payé par {name}", "Guest meal paid by {name}"),
    "cashier.opened": ("Caisse ouverte", "Till opened"),
    "cashier.already_open": ("La caisse est déjà ouverte", "The till is already open"),
    "closure.title": ("Clôture du {day}", "Closure of {day}"),
    "closure.sales": ("Ventes : {count}", "Sales: {count}"),
    "closure.cancellations": ("Annulations : {count}", "Cancellations: {count}"),
    "closure.net": ("Chiffre d'affaires : {amount}", "Net sales: {amount}"),
    "closure.top_ups": ("Recharges : {amount}", "Top-ups: {amount}"),
    "closure.vat": ("TVA {rate} : {amount}", "VAT {rate}: {amount}"),
    "closure.vat_unknown": ("TVA non précisée : {amount}", "VAT not given: {amount}"),
    "closure.means": ("{means} : {amount}", "{means}: {amount}"),
    "closure.grand_total": ("Grand total perpétuel : {amount}", "Perpetual grand total: {amount}"),
    "closure.grand_total_abs": (
        "Grand total perpétuel absolu : {amount}",
        "Perpetual absolute grand total: {amount}",
    ),
    "closure.counts": (
        "Duplicatas : {duplicates} · tickets de formation (hors totaux) : {training}",
        "Duplicates: {duplicates} · training tickets (in no total): {training}",
    ),
    "closure.print": ("Imprimer", "Print"),
    "closure.export": ("Exporter (CSV)", "Export (CSV)"),
    "closure.exported": ("Clôture exportée : {name}", "Closure exported: {name}"),
    "means.balance": ("Compte convive", "Diner account"),
    "means.cash": ("Espèces", "Cash"),
    "means.card": ("Carte bancaire", "Bank card"),
    "means.card_test": ("Carte bancaire FACTICE (test)", "Bank card TEST (no money)"),
    "means.cheque": ("Chèque", "Cheque"),
    "means.voucher": ("Titre-restaurant", "Meal voucher"),
    "means.online": ("En ligne", "Online"),
    "kiosk.idle": ("Badgez ici", "Tap your badge"),
    "kiosk.idle_hint": (
        "Badge ou QR code de l'application",
        "Badge or the app's QR code",
    ),
    "kiosk.idle_badge_only": (
        "Badge uniquement : le lecteur de QR code est hors service",
        "Badge only: the QR code reader is out of order",
    ),
    "kiosk.menu_of_the_day": ("Menu du jour", "Today's menu"),
    "kiosk.allergens": ("Allergènes : {names}", "Allergens: {names}"),
    "kiosk.no_allergens": ("Sans allergène déclaré", "No declared allergen"),
    "kiosk.reader_down": ("Lecteur de badge hors service", "Badge reader out of order"),
    "kiosk.use_phone_qr": (
        "Montrez le QR code de votre badge dématérialisé au lecteur de QR code",
        "Show your phone badge's QR code to the QR code reader",
    ),
    "kiosk.out_of_order": ("Borne hors service", "Kiosk out of order"),
    "kiosk.out_of_order_hint": (
        "Payez en caisse ; pour recharger, utilisez l'application ou la caisse",
        "Pay at the till; to top up, use the app or the till",
    ),
    "kiosk.hello": ("Bonjour {name}", "Hello {name}"),
    "kiosk.balance": ("Solde : {amount}", "Balance: {amount}"),
    "kiosk.last_tickets": ("Derniers tickets", "Last receipts"),
    "kiosk.no_tickets": ("Aucun ticket", "No receipts yet"),
    "kiosk.top_up": ("Recharger", "Top up"),
    "kiosk.order": ("Commander", "Order"),
    "kiosk.print_last": ("Imprimer le dernier ticket", "Print the last receipt"),
    "kiosk.choose_amount": ("Choisissez le montant", "Choose the amount"),
    "kiosk.pay_card": (
        "Payez {amount} sur le terminal de paiement",
        "Pay {amount} on the card terminal",
    ),
    "kiosk.card_ok": ("Paiement carte accepté", "Card payment approved"),
    "kiosk.card_refused": ("Paiement carte refusé : {message}", "Card payment declined: {message}"),
    "kiosk.topped_up": ("Compte rechargé de {amount}", "Account topped up by {amount}"),
    "kiosk.card_unavailable": (
        "Recharge par carte indisponible : rechargez en caisse ou dans l'application",
        "Card top-up unavailable: top up at the till or in the app",
    ),
    "kiosk.other_amount": ("Autre montant", "Other amount"),
    "kiosk.top_up_limits": (
        "Carte bancaire, de {low} à {high}",
        "Bank card, from {low} to {high}",
    ),
    "kiosk.amount_out_of_limits": (
        "Choisissez un montant de {low} à {high}",
        "Choose an amount from {low} to {high}",
    ),
    "kiosk.card_steps": (
        "Présentez votre carte sur le terminal et suivez ses instructions",
        "Present your card on the terminal and follow its instructions",
    ),
    "kiosk.card_cancel_hint": (
        "Pour annuler : touche rouge « Annul » du terminal",
        'To cancel: the red "Cancel" key of the terminal',
    ),
    "kiosk.card_test": (
        "FACTICE : terminal de test, aucun paiement réel",
        "TEST: demo terminal, no real payment",
    ),
    "kiosk.cart": ("Panier", "Cart"),
    "kiosk.pay": ("Payer {amount}", "Pay {amount}"),
    "kiosk.order_done": ("Commande n° {number} confirmée", "Order no. {number} confirmed"),
    "kiosk.order_hint": (
        "Retirez votre commande au comptoir",
        "Collect your order at the counter",
    ),
    # `kiosk price`: the ticket as the till prices it
    "price.eat_in": ("sur place", "eat in"),
    "price.take_away": ("à emporter", "take-away"),
    "price.item": ("Article", "Item"),
    "price.qty": ("Qté", "Qty"),
    "price.unit": ("P.U.", "Unit"),
    "price.vat": ("TVA", "VAT"),
    "price.total": ("Total", "Total"),
    "price.total_ttc": ("Total TTC", "Total incl. VAT"),
    "price.admission": ("Droit d'admission", "Admission fee"),
    "price.employer_share": ("part employeur {amount}", "employer pays {amount}"),
    "price.rate": ("Taux", "Rate"),
    "price.base": ("HT", "Net"),
    "price.gross": ("TTC", "Gross"),
    "price.vat_total": ("Total", "Total"),
    "price.subsidy": ("Subvention : {status}", "Subsidy: {status}"),
    "price.saving": (
        "Économie : {amount} par rapport au prix à la carte ({detail})",
        "Saving: {amount} on the à la carte price ({detail})",
    ),
    "price.saving_formulas": ("formules {amount}", "formulas {amount}"),
    "price.saving_subsidy": ("prise en charge {amount}", "subsidy {amount}"),
    "price.floor_cut": (
        "Prise en charge réduite de {requested} à {granted} : le convive paie au moins "
        "{floor} (plancher de l'avantage en nature)",
        "Subsidy cut from {requested} to {granted}: the diner pays at least {floor} "
        "(benefit-in-kind floor)",
    ),
    "price.billed_host": (
        "Facturé au compte de l'hôte {ref}",
        "Billed to the host's account {ref}",
    ),
    "price.billed_centre": ("Facturé au centre de coût {ref}", "Billed to cost centre {ref}"),
    "kind.sale": ("Repas", "Meal"),
    "kind.top_up": ("Recharge", "Top-up"),
    "kind.cancel": ("Annulation", "Cancellation"),
    "kind.guest_meal": ("Repas invité", "Guest meal"),
    "kind.order": ("Commande", "Order"),
    "kind.adjustment": ("Régularisation", "Adjustment"),
    **ORDER_MESSAGES,
}

# The 14 regulated allergens (EU 1169/2011), by ``sync.protocol.catalogue.Allergen``.
ALLERGENS: dict[str, tuple[str, str]] = {
    "gluten": ("Gluten", "Gluten"),
    "crustaceans": ("Crustacés", "Crustaceans"),
    "eggs": ("Œufs", "Eggs"),
    "fish": ("Poisson", "Fish"),
    "peanuts": ("Arachides", "Peanuts"),
    "soy": ("Soja", "Soy"),
    "milk": ("Lait", "Milk"),
    "nuts": ("Fruits à coque", "Tree nuts"),
    "celery": ("Céleri", "Celery"),
    "mustard": ("Moutarde", "Mustard"),
    "sesame": ("Sésame", "Sesame"),
    "sulphites": ("Sulfites", "Sulphites"),
    "lupin": ("Lupin", "Lupin"),
    "molluscs": ("Mollusques", "Molluscs"),
}

# Why a scanner dropped a code (``drivers.events.CodeRejectReason``).
CODE_REJECTS: dict[str, tuple[str, str]] = {
    "not_utf8": ("ce n'est pas du texte UTF-8", "not UTF-8 text"),
    "too_long": ("code trop long", "code too long"),
    "control_characters": ("caractères de contrôle dans le code", "control characters in it"),
    "unknown_key": (
        "touche absente de la disposition du clavier",
        "a key the keyboard layout does not have",
    ),
}

# What became of the employer subsidy on a ticket (``SubsidyStatus``).
SUBSIDY: dict[str, tuple[str, str]] = {
    "granted": ("accordée", "granted"),
    "no_subsidy": ("aucune pour cette catégorie", "none for this profile"),
    "already_granted": ("déjà accordée aujourd'hui", "already granted today"),
    "not_a_meal": ("pas un repas", "not a meal"),
    "not_qualifying": (
        "plateau incomplet pour la subvention",
        "the tray does not qualify",
    ),
    "at_floor": (
        "aucune : le prix est déjà au minimum à payer",
        "none: the price is already at the minimum to pay",
    ),
}

# What happened, then what to do next, for each refusal.
REASONS: dict[RejectReason, tuple[tuple[str, str], tuple[str, str]]] = {
    RejectReason.UNKNOWN_CREDENTIAL: (
        ("Badge inconnu", "Unknown badge"),
        ("Adressez-vous à l'accueil pour l'activer", "Ask reception to activate it"),
    ),
    RejectReason.MALFORMED_CREDENTIAL: (
        ("Badge illisible", "Badge could not be read"),
        ("Présentez-le à nouveau, bien à plat", "Tap it again, flat on the reader"),
    ),
    RejectReason.LOST_BADGE: (
        ("Ce badge a été déclaré perdu", "This badge was reported lost"),
        ("Adressez-vous à l'accueil", "Please see reception"),
    ),
    RejectReason.BLOCKED_BADGE: (
        ("Ce badge est bloqué", "This badge is blocked"),
        ("Adressez-vous à l'accueil", "Please see reception"),
    ),
    RejectReason.QR_EXPIRED: (
        ("QR code expiré", "QR code expired"),
        ("Rafraîchissez le code dans l'application", "Refresh the code in the app"),
    ),
    RejectReason.QR_REPLAYED: (
        ("QR code déjà utilisé", "QR code already used"),
        ("Attendez le code suivant dans l'application", "Wait for the next code in the app"),
    ),
    RejectReason.QR_BAD_SIGNATURE: (
        ("QR code non reconnu", "QR code not recognised"),
        ("Utilisez le code de l'application officielle", "Use the code from the official app"),
    ),
    RejectReason.CLOCK_SKEW: (
        ("L'heure du téléphone est décalée", "The phone's clock is off"),
        ("Réglez l'heure automatique du téléphone", "Set the phone's time to automatic"),
    ),
    RejectReason.VISIT_UNKNOWN: (
        ("Visite inconnue", "Unknown visit"),
        ("Vérifiez l'invitation avec votre hôte", "Check the invitation with your host"),
    ),
    RejectReason.VISIT_NOT_APPROVED: (
        ("Visite pas encore validée", "Visit not approved yet"),
        ("Votre hôte doit faire valider la visite", "Your host must get the visit approved"),
    ),
    RejectReason.VISIT_OTHER_DAY: (
        ("Cette visite est prévue un autre jour", "This visit is for another day"),
        ("Vérifiez la date avec votre hôte", "Check the date with your host"),
    ),
    RejectReason.VISIT_CONSUMED: (
        ("Repas de cette visite déjà servi", "This visit's meal was already served"),
        ("Adressez-vous à la caisse", "Please see the cashier"),
    ),
    RejectReason.VISIT_CANCELLED: (
        ("Visite annulée", "Visit cancelled"),
        ("Voyez avec votre hôte", "Please see your host"),
    ),
    RejectReason.VISIT_NO_MEAL: (
        ("Cette visite ne comprend pas de repas", "This visit does not include a meal"),
        ("Votre hôte peut payer votre repas en caisse", "Your host can pay for your meal here"),
    ),
    RejectReason.UNKNOWN_PROFILE: (
        ("Catégorie tarifaire inconnue ici", "Tariff profile unknown here"),
        ("Adressez-vous à l'accueil", "Please see reception"),
    ),
    RejectReason.GUEST_BILLING: (
        ("Repas invité sans hôte ni centre de coût", "Guest meal with no host or cost centre"),
        ("Choisissez l'hôte ou la visite", "Pick the host or the visit"),
    ),
    RejectReason.UNKNOWN_ACCOUNT: (
        ("Compte inconnu sur cette caisse", "Account unknown on this till"),
        ("Adressez-vous à l'accueil", "Please see reception"),
    ),
    RejectReason.ACCOUNT_CLOSED: (
        ("Compte clôturé", "Account closed"),
        ("Adressez-vous à l'accueil", "Please see reception"),
    ),
    RejectReason.INSUFFICIENT_BALANCE: (
        ("Solde insuffisant", "Balance too low"),
        (
            "Rechargez à la borne, en caisse ou dans l'application",
            "Top up at the kiosk, the till or in the app",
        ),
    ),
    RejectReason.OFFLINE_CAP_REACHED: (
        ("Plafond hors ligne atteint", "Offline spending limit reached"),
        (
            "La caisse est hors ligne : payez autrement ou réessayez plus tard",
            "The till is offline: pay another way or try again later",
        ),
    ),
    RejectReason.JOURNAL_INCOMPLETE: (
        ("Caisse arrêtée : journal incomplet", "Till stopped: journal incomplete"),
        (
            "Appelez le technicien (kiosk journal recover)",
            "Call the technician (kiosk journal recover)",
        ),
    ),
    RejectReason.INVALID_AMOUNT: (
        ("Montant invalide", "Invalid amount"),
        ("Vérifiez le plateau", "Check the tray"),
    ),
    RejectReason.AMOUNT_TOO_LARGE: (
        ("Montant trop élevé", "Amount too large"),
        ("Vérifiez le plateau ou le montant", "Check the tray or the amount"),
    ),
    RejectReason.EMPTY_TRAY: (
        ("Le plateau est vide", "The tray is empty"),
        ("Ajoutez les articles puis badgez", "Add the items, then tap the badge"),
    ),
    RejectReason.UNKNOWN_ITEM: (
        ("Article inconnu", "Unknown item"),
        ("Saisissez l'article avec les boutons", "Add the item with the buttons"),
    ),
    RejectReason.UNKNOWN_ENTRY: (
        ("Ticket introuvable", "Receipt not found"),
        ("Vérifiez le numéro du ticket", "Check the receipt number"),
    ),
    RejectReason.NOT_CANCELLABLE: (
        ("Cette opération ne s'annule pas", "This operation cannot be cancelled"),
        ("Faites une régularisation au back-office", "Make an adjustment in the back office"),
    ),
    RejectReason.ALREADY_CANCELLED: (
        ("Déjà annulé", "Already cancelled"),
        ("Rien à faire", "Nothing to do"),
    ),
    RejectReason.TILL_CLOSED: (
        ("La caisse est fermée", "The till is closed"),
        ("Un caissier doit ouvrir la caisse", "A cashier must open the till"),
    ),
    RejectReason.NOT_AUTHORISED: (
        ("Action réservée aux caissiers", "Cashiers only"),
        ("Présentez un badge caissier et son code", "Tap a cashier badge and enter its PIN"),
    ),
    RejectReason.PAYMENT_UNAVAILABLE: (
        ("Paiement par carte indisponible", "Card payment unavailable"),
        (
            "Aucun débit n'a été fait : rechargez en caisse ou dans l'application",
            "Nothing was charged: top up at the till or in the app",
        ),
    ),
    RejectReason.PAYMENT_DECLINED: (
        ("Paiement carte refusé", "Card payment declined"),
        ("Aucun débit n'a été fait", "Nothing was charged"),
    ),
    RejectReason.PAYMENT_PENDING: (
        ("Un paiement carte est en attente", "A card payment is pending"),
        (
            "Un caissier doit vérifier le paiement précédent",
            "A cashier must check the previous payment",
        ),
    ),
    **ORDER_REASONS,
}
