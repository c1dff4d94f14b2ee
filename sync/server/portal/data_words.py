"""The words of the portal's "Données personnelles" page (``data_routes``), French
and English, added to ``i18n.TEXT``."""

from __future__ import annotations

DATA_WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "data": "Données personnelles",
        "data_help": (
            "Ce que le restaurant conserve sur vous. Le fichier à télécharger contient "
            "tout, y compris chaque opération enregistrée."
        ),
        "name": "Nom",
        "cost_centre": "Centre de coût",
        "sessions_count": "Sessions ouvertes",
        "visits_count": "Demandes de visite",
        "movements_count": "Mouvements en ligne et corrections",
        "retention": "Durées de conservation",
        "retention_help": (
            "Les tickets et clôtures de caisse sont des pièces comptables conservées "
            "{years} ans ; ils ne vous désignent que par votre identifiant. Les noms de "
            "vos invités sont effacés {visit_days} jours après la visite ; les données "
            "d'un compte fermé, {closed_days} jours après sa dernière opération."
        ),
        "close_title": "Fermer mon compte",
        "close_help": (
            "Votre demande est transmise au gestionnaire du restaurant, qui ferme le "
            "compte et efface vos données personnelles (nom, adresse e-mail, badges, "
            "accès au portail, noms de vos invités). Le solde et les tickets restent "
            "dans la comptabilité, sans votre nom."
        ),
        "close_note": "Message au gestionnaire (facultatif)",
        "close_send": "Demander la fermeture de mon compte",
        "close_sent": "Votre demande de fermeture a été envoyée le {when}.",
        "close_done": "Votre demande de fermeture a été traitée le {when}.",
        "close_too_long": "Le message est trop long (500 caractères au plus).",
    },
    "en": {
        "data": "Personal data",
        "data_help": (
            "What the restaurant keeps about you. The file to download holds all of it, "
            "every recorded entry included."
        ),
        "name": "Name",
        "cost_centre": "Cost centre",
        "sessions_count": "Open sessions",
        "visits_count": "Visit requests",
        "movements_count": "Online movements and corrections",
        "retention": "How long it is kept",
        "retention_help": (
            "Tickets and till closures are accounting records kept {years} years; they "
            "name you by your identifier only. Your guests' names are erased "
            "{visit_days} days after the visit; a closed account's data {closed_days} "
            "days after its last entry."
        ),
        "close_title": "Close my account",
        "close_help": (
            "Your request goes to the restaurant's manager, who closes the account and "
            "erases your personal data (name, e-mail address, badges, portal sign-in, "
            "your guests' names). The balance and the tickets stay in the accounts, "
            "without your name."
        ),
        "close_note": "Message to the manager (optional)",
        "close_send": "Ask to close my account",
        "close_sent": "Your request to close the account was sent on {when}.",
        "close_done": "Your request to close the account was handled on {when}.",
        "close_too_long": "The message is too long (500 characters at most).",
    },
}
