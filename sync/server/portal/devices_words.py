"""The words of the badge, devices, sign-in by QR code and passkey pages, in French
and English; ``register()`` adds them to the portal's words (``i18n.TEXT``)."""

from __future__ import annotations

from sync.server.portal import i18n

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "badge": "Mon badge",
        "badge_open": "Afficher le badge en grand",
        "badge_help": (
            "Présentez ce code au lecteur de la caisse ou de la borne. Il change toutes "
            "les 30 secondes et fonctionne même sans réseau."
        ),
        "badge_qr": "Code QR de votre badge dématérialisé",
        "badge_next": "Nouveau code dans {s} s",
        "badge_enrol": "Activer le badge sur cet appareil",
        "badge_enrol_help": (
            "Une clé est créée dans ce navigateur et n'en sort jamais ; seule sa partie "
            "publique est envoyée au restaurant."
        ),
        "badge_label": "Nom de cet appareil",
        "badge_label_help": "Pour le reconnaître dans la liste de vos appareils.",
        "badge_noscript": "Le badge dématérialisé a besoin de JavaScript.",
        "badge_unsupported": (
            "Ce navigateur ne sait pas créer la clé Ed25519 du badge dématérialisé "
            "(il faut Chrome 137, Firefox 129, Safari 17 ou plus récent). Utilisez votre "
            "badge physique ou mettez le navigateur à jour."
        ),
        "badge_no_storage": (
            "Ce navigateur ne peut pas garder la clé du badge (navigation privée ?). "
            "Le badge n'a pas été activé."
        ),
        "badge_revoked": (
            "Le badge de cet appareil a été retiré. Vous pouvez l'activer de nouveau."
        ),
        "badge_failed": "Le badge n'a pas pu être activé : {reason}",
        "badge_offline": "Hors ligne : le badge fonctionne toujours.",
        "badge_ready": "Badge actif sur cet appareil.",
        "devices": "Mes appareils",
        "devices_help": (
            "Les appareils qui portent votre badge dématérialisé. Retirez un téléphone "
            "perdu : les caisses le refuseront dès leur prochaine synchronisation."
        ),
        "devices_none": "Aucun appareil pour l'instant.",
        "device_added": "Ajouté le {when}",
        "device_revoked_at": "Retiré le {when}",
        "device_revoke": "Retirer {label}",
        "device_revoked": "L'appareil a été retiré ; son badge est refusé aux caisses.",
        "refuse_bad_key": "la clé publique reçue n'est pas une clé Ed25519.",
        "refuse_too_many": "vous avez déjà 5 appareils : retirez-en un d'abord.",
        "refuse_unknown_device": "Cet appareil n'est pas (ou plus) l'un des vôtres.",
        "refuse_bad_link": "Ce code de connexion est inconnu, expiré ou déjà utilisé.",
        "link_title": "Connecter un autre appareil",
        "link_help": (
            "Affichez un code à scanner avec le nouvel appareil : il y sera connecté à "
            "votre compte sans mot de passe."
        ),
        "link_show": "Afficher le code de connexion",
        "link_scan_help": (
            "Sur le nouvel appareil, ouvrez « Connexion » puis « Scanner le code d'un "
            "autre appareil », ou visez ce code avec l'appareil photo. Il est valable "
            "{minutes} minutes."
        ),
        "link_qr": "Code QR de connexion d'un nouvel appareil",
        "link_once": "Ce code ne sert qu'une fois. Ne le montrez qu'à vos appareils.",
        "link_sign_in": "Se connecter sur cet appareil",
        "link_confirm_help": (
            "Ce code vient d'un appareil déjà connecté à votre compte. Confirmez pour "
            "vous connecter ici."
        ),
        "link_other_way": "Se connecter avec son identifiant",
        "scan_link": "Scanner le code d'un autre appareil",
        "scan_title": "Scanner un code de connexion",
        "scan_help": (
            "Sur un appareil déjà connecté, ouvrez Paramètres, Mes appareils, « Afficher "
            "le code de connexion », et présentez-le à la caméra."
        ),
        "scan_noscript": "La lecture par la caméra a besoin de JavaScript.",
        "scan_video": "Image de la caméra",
        "scan_looking": "Recherche d'un code…",
        "scan_no_camera": (
            "La caméra n'est pas disponible (refusée ou absente). Visez le code avec "
            "l'appareil photo du téléphone, ou connectez-vous avec votre identifiant."
        ),
        "scan_not_link": "Ce code n'est pas un code de connexion de ce restaurant.",
        "passkeys": "Clés d'accès",
        "passkeys_help": (
            "Une clé d'accès (empreinte, visage ou code de l'appareil) vous connecte "
            "sans mot de passe."
        ),
        "passkey_label": "Nom de la clé",
        "passkey_add": "Ajouter une clé d'accès",
        "passkey_sign_in": "Se connecter avec une clé d'accès",
        "passkey_failed": "La clé d'accès n'a pas fonctionné : {reason}",
        "passkey_unsupported": "Ce navigateur ne gère pas les clés d'accès.",
        "refuse_bad_passkey": "la réponse de la clé n'a pas pu être vérifiée.",
        "refuse_unknown_passkey": "cette clé n'est enregistrée pour aucun compte.",
        "refuse_too_many_passkeys": "vous avez déjà 10 clés : retirez-en une d'abord.",
    },
    "en": {
        "badge": "My badge",
        "badge_open": "Show the badge full size",
        "badge_help": (
            "Show this code to the reader of the till or kiosk. It changes every "
            "30 seconds and works without a network."
        ),
        "badge_qr": "QR code of your phone badge",
        "badge_next": "New code in {s} s",
        "badge_enrol": "Turn on the badge on this device",
        "badge_enrol_help": (
            "A key is made in this browser and never leaves it; only its public part is "
            "sent to the restaurant."
        ),
        "badge_label": "Name of this device",
        "badge_label_help": "To recognise it in the list of your devices.",
        "badge_noscript": "The phone badge needs JavaScript.",
        "badge_unsupported": (
            "This browser cannot make the Ed25519 key of the phone badge (it takes "
            "Chrome 137, Firefox 129, Safari 17 or later). Use your card badge or update "
            "the browser."
        ),
        "badge_no_storage": (
            "This browser cannot keep the badge's key (private browsing?). "
            "The badge was not turned on."
        ),
        "badge_revoked": "This device's badge was removed. You may turn it on again.",
        "badge_failed": "The badge could not be turned on: {reason}",
        "badge_offline": "Offline: the badge still works.",
        "badge_ready": "Badge active on this device.",
        "devices": "My devices",
        "devices_help": (
            "The devices that carry your phone badge. Remove a lost phone: the tills "
            "refuse it from their next sync."
        ),
        "devices_none": "No device yet.",
        "device_added": "Added on {when}",
        "device_revoked_at": "Removed on {when}",
        "device_revoke": "Remove {label}",
        "device_revoked": "The device was removed; the tills refuse its badge.",
        "refuse_bad_key": "the public key received is not an Ed25519 key.",
        "refuse_too_many": "you already have 5 devices: remove one first.",
        "refuse_unknown_device": "This device is not (or no longer) one of yours.",
        "refuse_bad_link": "This sign-in code is unknown, expired or already used.",
        "link_title": "Connect another device",
        "link_help": (
            "Show a code to scan with the new device: it will be signed in to your "
            "account without a password."
        ),
        "link_show": "Show the sign-in code",
        "link_scan_help": (
            "On the new device, open \u201cSign in\u201d then \u201cScan the code of "
            "another device\u201d, or point its camera at this code. It is valid for "
            "{minutes} minutes."
        ),
        "link_qr": "Sign-in QR code for a new device",
        "link_once": "This code works once. Show it only to your own devices.",
        "link_sign_in": "Sign in on this device",
        "link_confirm_help": (
            "This code comes from a device already signed in to your account. Confirm "
            "to sign in here."
        ),
        "link_other_way": "Sign in with my identifier",
        "scan_link": "Scan the code of another device",
        "scan_title": "Scan a sign-in code",
        "scan_help": (
            "On a device already signed in, open Settings, My devices, \u201cShow the "
            "sign-in code\u201d, and hold it to the camera."
        ),
        "scan_noscript": "Reading with the camera needs JavaScript.",
        "scan_video": "Camera picture",
        "scan_looking": "Looking for a code…",
        "scan_no_camera": (
            "The camera is not available (refused or missing). Point the phone's camera "
            "app at the code, or sign in with your identifier."
        ),
        "scan_not_link": "This code is not a sign-in code of this restaurant.",
        "passkeys": "Passkeys",
        "passkeys_help": (
            "A passkey (fingerprint, face or the device's code) signs you in without a password."
        ),
        "passkey_label": "Name of the passkey",
        "passkey_add": "Add a passkey",
        "passkey_sign_in": "Sign in with a passkey",
        "passkey_failed": "The passkey did not work: {reason}",
        "passkey_unsupported": "This browser does not handle passkeys.",
        "refuse_bad_passkey": "the passkey's answer could not be verified.",
        "refuse_unknown_passkey": "this passkey is registered for no account.",
        "refuse_too_many_passkeys": "you already have 10 passkeys: remove one first.",
    },
}


def register() -> None:
    """Add these words to the portal's; a key the portal already has is a mistake."""
    for lang, words in WORDS.items():
        clash = set(words) & set(i18n.TEXT[lang]) - {
            k for k in words if i18n.TEXT[lang].get(k) == words[k]
        }
        if clash:
            raise ValueError(f"portal words defined twice ({lang}): {sorted(clash)}")
        i18n.TEXT[lang].update(words)
