"""The portal's words, in French (the default) and English, and the formats of
money and time on its pages (local time of the site)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sync.journal import parse_ts
from sync.server.portal.page_words import PAGE_WORDS

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "app": "Mon restaurant",
        "sign_in": "Connexion",
        "sign_out": "Déconnexion",
        "site_code": "Code solution",
        "site_help": "Le code de votre restaurant, affiché à l'accueil ou sur les bornes.",
        "next": "Continuer",
        "identifier": "Identifiant convive",
        "identifier_help": "Votre matricule ou l'identifiant imprimé sur votre badge.",
        "found": "Votre compte a été trouvé",
        "activate": "Activer votre compte",
        "activate_help": "Nous envoyons un code à usage unique à l'adresse e-mail de votre compte.",
        "send_code": "Recevoir le code par e-mail",
        "code": "Code reçu par e-mail",
        "code_sent": "Un code vous a été envoyé par e-mail. Il est valable {minutes} minutes.",
        "resend": "Renvoyer un code",
        "password": "Mot de passe",
        "new_password": "Choisissez un mot de passe",
        "password_again": "Confirmez le mot de passe",
        "password_help": "Au moins 10 caractères.",
        "save": "Enregistrer",
        "home": "Accueil",
        "orders": "Commandes",
        "balance": "Solde",
        "as_of": "Dernière opération le {when}",
        "no_entry": "Aucune opération pour l'instant.",
        "last_tickets": "Derniers tickets",
        "tickets": "Tickets",
        "all_tickets": "Tous les tickets",
        "page": "Page {page} sur {pages}",
        "newer": "Plus récents",
        "older": "Plus anciens",
        "detail": "Détail du ticket",
        "back": "Retour",
        "items": "Articles",
        "hello": "Bonjour {name}",
        "language": "Language: English",
        "not_found": "Cette page n'existe pas.",
        "csrf": "Le formulaire a expiré. Rechargez la page et recommencez.",
        "data": "Mes données",
        "data_help": "Ce que le restaurant conserve sur vous.",
        "download": "Télécharger mes données (JSON)",
        "email": "Adresse e-mail",
        "badges": "Badges",
        "entries_count": "Opérations enregistrées",
        "activated_at": "Compte activé le",
        "none": "aucune",
        "settings": "Paramètres",
        "current_password": "Mot de passe actuel",
        "change_password": "Changer le mot de passe",
        "password_changed": "Votre mot de passe a été changé ; vos autres sessions sont fermées.",
        "lang_label": "Langue",
        "lang_fr": "Français",
        "lang_en": "English",
        "kind_sale": "Achat",
        "kind_top_up": "Rechargement",
        "kind_cancellation": "Annulation",
        "kind_opening": "Solde initial",
        "kind_adjustment": "Régularisation",
        "kind_guest_meal": "Repas invité",
        "kind_order": "Commande",
        "kind_order_refund": "Remboursement de commande",
        "refuse_unknown_site": "Ce code solution est inconnu.",
        "refuse_unknown_account": "Aucun compte ne porte cet identifiant sur ce site.",
        "refuse_closed": "Ce compte est fermé : adressez-vous au bureau du restaurant.",
        "refuse_no_email": (
            "Aucune adresse e-mail n'est connue pour ce compte : "
            "demandez-la au bureau du restaurant."
        ),
        "refuse_locked": "Trop d'essais : réessayez dans quelques minutes.",
        "refuse_bad_code": "Ce code est faux, expiré ou déjà utilisé.",
        "refuse_bad_password": "Mot de passe incorrect.",
        "refuse_weak_password": "Le mot de passe doit compter de 10 à 256 caractères.",
        "refuse_passwords_differ": "Les deux mots de passe diffèrent.",
        "refuse_not_activated": "Ce compte n'est pas encore activé.",
        "refuse_mail_failed": "L'e-mail n'a pas pu partir : réessayez plus tard.",
    },
    "en": {
        "app": "My restaurant",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "site_code": "Site code",
        "site_help": "Your restaurant's code, shown at the entrance or on the kiosks.",
        "next": "Continue",
        "identifier": "Diner identifier",
        "identifier_help": "Your staff number or the identifier printed on your badge.",
        "found": "Your account was found",
        "activate": "Activate your account",
        "activate_help": "We send a one-time code to your account's e-mail address.",
        "send_code": "Get the code by e-mail",
        "code": "Code received by e-mail",
        "code_sent": "A code was sent to you by e-mail. It is valid for {minutes} minutes.",
        "resend": "Send another code",
        "password": "Password",
        "new_password": "Choose a password",
        "password_again": "Confirm the password",
        "password_help": "At least 10 characters.",
        "save": "Save",
        "home": "Home",
        "orders": "Orders",
        "balance": "Balance",
        "as_of": "Latest entry on {when}",
        "no_entry": "No entry yet.",
        "last_tickets": "Latest tickets",
        "tickets": "Tickets",
        "all_tickets": "All tickets",
        "page": "Page {page} of {pages}",
        "newer": "Newer",
        "older": "Older",
        "detail": "Ticket detail",
        "back": "Back",
        "items": "Items",
        "hello": "Hello {name}",
        "language": "Langue : français",
        "not_found": "This page does not exist.",
        "csrf": "The form has expired. Reload the page and try again.",
        "data": "My data",
        "data_help": "What the restaurant keeps about you.",
        "download": "Download my data (JSON)",
        "email": "E-mail address",
        "badges": "Badges",
        "entries_count": "Recorded entries",
        "activated_at": "Account activated on",
        "none": "none",
        "settings": "Settings",
        "current_password": "Current password",
        "change_password": "Change the password",
        "password_changed": "Your password was changed; your other sessions are closed.",
        "lang_label": "Language",
        "lang_fr": "Français",
        "lang_en": "English",
        "kind_sale": "Purchase",
        "kind_top_up": "Top-up",
        "kind_cancellation": "Cancellation",
        "kind_opening": "Opening balance",
        "kind_adjustment": "Adjustment",
        "kind_guest_meal": "Guest meal",
        "kind_order": "Order",
        "kind_order_refund": "Order refund",
        "refuse_unknown_site": "This site code is unknown.",
        "refuse_unknown_account": "No account has this identifier on this site.",
        "refuse_closed": "This account is closed: ask the restaurant's office.",
        "refuse_no_email": (
            "No e-mail address is known for this account: ask the restaurant's office."
        ),
        "refuse_locked": "Too many tries: try again in a few minutes.",
        "refuse_bad_code": "This code is wrong, expired or already used.",
        "refuse_bad_password": "Wrong password.",
        "refuse_weak_password": "The password must have 10 to 256 characters.",
        "refuse_passwords_differ": "The two passwords differ.",
        "refuse_not_activated": "This account is not activated yet.",
        "refuse_mail_failed": "The e-mail could not be sent: try again later.",
    },
}

# The words of the account's pages (tickets, services, visits, notifications).
for _lang, _words in PAGE_WORDS.items():
    TEXT[_lang].update(_words)


def text(lang: str, key: str, **values: object) -> str:
    words = TEXT[lang].get(key) or TEXT[DEFAULT_LANG].get(key) or key
    return words.format(**values) if values else words


def kind_name(lang: str, kind: str) -> str:
    return TEXT[lang].get(f"kind_{kind}", kind.replace("_", " "))


def money(cents: int, lang: str) -> str:
    """``-12,34 €`` in French, ``-€12.34`` in English (integer cents, no float)."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    if lang == "en":
        return f"{sign}€{units:,}.{rest:02d}"
    grouped = f"{units:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"


def local_time(ts: str, tz: str, lang: str) -> str:
    moment: datetime = parse_ts(ts).astimezone(ZoneInfo(tz))
    if lang == "en":
        return moment.strftime("%d/%m/%Y %H:%M")
    return moment.strftime("%d/%m/%Y à %H:%M")
