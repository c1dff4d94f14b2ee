"""The portal's outgoing mail: activation codes (and any message of the portal, e.g.
low-balance notifications) sent through the configured SMTP server (plain SMTP on the
site's relay, STARTTLS when the settings ask for it)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from sync.server.portal.errors import MailError
from sync.server.portal.settings import PortalSettings

SUBJECT = {
    "fr": "Votre code d'activation",
    "en": "Your activation code",
}
BODY = {
    "fr": (
        "Bonjour,\n\nVoici votre code d'activation : {code}\n\n"
        "Il est valable {minutes} minutes et ne sert qu'une fois.\n"
        "Si vous n'avez pas demandé ce code, ignorez ce message.\n"
    ),
    "en": (
        "Hello,\n\nHere is your activation code: {code}\n\n"
        "It is valid for {minutes} minutes and works once.\n"
        "If you did not ask for this code, ignore this message.\n"
    ),
}


def send_code(settings: PortalSettings, to: str, code: str, lang: str) -> None:
    """Send the activation code to ``to``; ``MailError`` if the server refuses it."""
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = SUBJECT[lang]
    minutes = settings.code_ttl_s // 60
    message.set_content(BODY[lang].format(code=code, minutes=minutes))
    send_message(settings, message)


def send_message(settings: PortalSettings, message: EmailMessage) -> None:
    """Send a message through the configured SMTP server; ``MailError`` if it fails."""
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot send mail through {settings.smtp_host}: {exc}") from exc
