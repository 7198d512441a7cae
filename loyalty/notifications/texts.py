"""The words of every notification, per topic and language.

Each topic has a push title and body; email uses the title as its subject and the body between
a greeting and a link to the page the deep link opens. Placeholders name payload keys of the
topic (see `loyalty.events`) or the values `render` derives from them: `credit` and `value`
(money with its currency); numbers, money and dates are written the language's way. A topic may
have variants that `render` picks by the payload: `.pending` (not spendable yet), `.capped`
(a referral past the yearly cap, no points), `.points` and `.credit` (a gift of one of the two),
`.gift` (a canceled reward that cost no points), `.spend` and `.visits` (the metric a tier is
kept by).
"""
from __future__ import annotations

from loyalty import events
from loyalty.i18n import FALLBACK as FALLBACK
from loyalty.i18n import LANGUAGES as LANGUAGES

# Topics that advertise rather than report: sent only with marketing consent and the
# member's marketing setting on.
MARKETING = frozenset({events.TIER_AT_RISK})

# Topics about the account itself: sent by email to the payload's `to` address, even before
# the address is verified and whatever the member's notification settings. Every other email
# waits until the member's address is verified.
TRANSACTIONAL = frozenset({events.ACCOUNT_VERIFY_EMAIL, events.ACCOUNT_PASSWORD_RESET,
                           events.ACCOUNT_PASSWORD_CHANGED})

# The page a push opens and an email links to, below PUBLIC_URL.
LINKS: dict[str, str] = {
    events.POINTS_EARNED: "/wallet",
    events.POINTS_ACTIVATED: "/wallet",
    events.POINTS_SPENT: "/wallet",
    events.POINTS_CLAWED_BACK: "/wallet",
    events.POINTS_RESTORED: "/wallet",
    events.POINTS_EXPIRED: "/wallet",
    events.POINTS_EXPIRING: "/wallet",
    events.CREDIT_EARNED: "/wallet",
    events.CREDIT_SPENT: "/wallet",
    events.CREDIT_CLAWED_BACK: "/wallet",
    events.CREDIT_RESTORED: "/wallet",
    events.TIER_UPGRADED: "/wallet/tier",
    events.TIER_DOWNGRADED: "/wallet/tier",
    events.TIER_AT_RISK: "/wallet/tier",
    events.BIRTHDAY_REWARDED: "/wallet",
    events.YEARLY_REWARD_GIVEN: "/wallet",
    events.REWARD_REDEEMED: "/wallet/rewards",
    events.REWARD_ISSUED: "/wallet/rewards",
    events.REWARD_USED: "/wallet/rewards",
    events.REWARD_EXPIRED: "/wallet/rewards",
    events.REWARD_CANCELED: "/wallet/rewards",
    events.DONATION_MADE: "/wallet/charity",
    events.REFERRAL_COMPLETED: "/wallet/referrals",
    events.ACCOUNT_VERIFY_EMAIL: "/wallet/verify-email?token={token}",
    events.ACCOUNT_PASSWORD_RESET: "/wallet/reset-password?token={token}",
    events.ACCOUNT_PASSWORD_CHANGED: "/wallet/forgot-password",
}

# The link's words where a topic needs other ones than OPEN_LINK.
ACTIONS: dict[str, dict[str, str]] = {
    events.ACCOUNT_VERIFY_EMAIL: {"en": "Confirm your email address", "nl": "Bevestig je e-mailadres",
                                  "de": "E-Mail-Adresse bestätigen", "ro": "Confirmă adresa de e-mail"},
    events.ACCOUNT_PASSWORD_RESET: {"en": "Choose a new password", "nl": "Kies een nieuw wachtwoord",
                                    "de": "Neues Passwort wählen", "ro": "Alege o parolă nouă"},
    events.ACCOUNT_PASSWORD_CHANGED: {"en": "It was not me: reset my password", "nl": "Dit was ik niet: wachtwoord herstellen",
                                      "de": "Das war ich nicht: Passwort zurücksetzen", "ro": "Nu am fost eu: resetează parola"},
}

GREETING = {"en": "Hello {name},", "nl": "Hallo {name},", "de": "Hallo {name},", "ro": "Bună, {name},"}
OPEN_LINK = {"en": "Open your wallet", "nl": "Open je wallet", "de": "Zu deinem Konto", "ro": "Deschide portofelul"}
FOOTER = {
    "en": "You receive this email because you are a member. Change your notification settings in the app.",
    "nl": "Je ontvangt deze e-mail omdat je lid bent. Wijzig je meldingsinstellingen in de app.",
    "de": "Du erhältst diese E-Mail, weil du Mitglied bist. Ändere deine Benachrichtigungen in der App.",
    "ro": "Primești acest e-mail pentru că ești membru. Schimbă setările de notificare în aplicație.",
}

# topic -> language -> (title, body)
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    events.POINTS_EARNED: {
        "en": ("You earned {points} points", "{points} points were added to your wallet."),
        "nl": ("Je hebt {points} punten verdiend", "Er zijn {points} punten aan je wallet toegevoegd."),
        "de": ("Du hast {points} Punkte gesammelt", "{points} Punkte wurden deinem Konto gutgeschrieben."),
        "ro": ("Ai câștigat {points} puncte", "{points} puncte au fost adăugate în portofelul tău."),
    },
    events.POINTS_EARNED + ".pending": {
        "en": ("You earned {points} points", "{points} points are on their way: you can spend them from {available_at}."),
        "nl": ("Je hebt {points} punten verdiend", "{points} punten komen eraan: je kunt ze besteden vanaf {available_at}."),
        "de": ("Du hast {points} Punkte gesammelt", "{points} Punkte sind unterwegs: du kannst sie ab {available_at} einlösen."),
        "ro": ("Ai câștigat {points} puncte", "{points} puncte sunt pe drum: le poți folosi din {available_at}."),
    },
    events.POINTS_ACTIVATED: {
        "en": ("Your points are ready", "{points} pending points can now be spent."),
        "nl": ("Je punten staan klaar", "{points} punten in afwachting kun je nu besteden."),
        "de": ("Deine Punkte sind bereit", "{points} vorgemerkte Punkte kannst du jetzt einlösen."),
        "ro": ("Punctele tale sunt gata", "{points} puncte în așteptare pot fi folosite acum."),
    },
    events.POINTS_SPENT: {
        "en": ("You spent {points} points", "{points} points were used for order {order}."),
        "nl": ("Je hebt {points} punten besteed", "{points} punten zijn gebruikt voor bestelling {order}."),
        "de": ("Du hast {points} Punkte eingelöst", "{points} Punkte wurden für Bestellung {order} eingelöst."),
        "ro": ("Ai folosit {points} puncte", "{points} puncte au fost folosite pentru comanda {order}."),
    },
    events.POINTS_CLAWED_BACK: {
        "en": ("Points taken back after a refund", "After the refund of order {order}, {points} points were taken back."),
        "nl": ("Punten teruggenomen na een terugbetaling", "Na de terugbetaling van bestelling {order} zijn {points} punten teruggenomen."),
        "de": ("Punkte nach einer Erstattung abgezogen", "Nach der Erstattung von Bestellung {order} wurden {points} Punkte abgezogen."),
        "ro": ("Puncte retrase după o rambursare", "După rambursarea comenzii {order}, {points} puncte au fost retrase."),
    },
    events.POINTS_RESTORED: {
        "en": ("Your points are back", "{points} points spent on order {order} are back in your wallet."),
        "nl": ("Je punten zijn terug", "{points} punten die je aan bestelling {order} besteedde, staan weer in je wallet."),
        "de": ("Deine Punkte sind zurück", "{points} Punkte aus Bestellung {order} sind wieder auf deinem Konto."),
        "ro": ("Punctele tale au revenit", "{points} puncte folosite pentru comanda {order} au revenit în portofel."),
    },
    events.POINTS_EXPIRED: {
        "en": ("{points} points expired", "{points} points in your wallet have expired."),
        "nl": ("{points} punten zijn vervallen", "{points} punten in je wallet zijn vervallen."),
        "de": ("{points} Punkte sind verfallen", "{points} Punkte auf deinem Konto sind verfallen."),
        "ro": ("{points} puncte au expirat", "{points} puncte din portofelul tău au expirat."),
    },
    events.POINTS_EXPIRING: {
        "en": ("Your points expire soon", "{points} points expire on {expires_at}. Spend them before then."),
        "nl": ("Je punten vervallen binnenkort", "{points} punten vervallen op {expires_at}. Besteed ze op tijd."),
        "de": ("Deine Punkte verfallen bald", "{points} Punkte verfallen am {expires_at}. Löse sie vorher ein."),
        "ro": ("Punctele tale expiră curând", "{points} puncte expiră pe {expires_at}. Folosește-le până atunci."),
    },
    events.CREDIT_EARNED: {
        "en": ("You earned {credit}", "{credit} of store credit was added to your wallet."),
        "nl": ("Je hebt {credit} verdiend", "Er is {credit} tegoed aan je wallet toegevoegd."),
        "de": ("Du hast {credit} erhalten", "{credit} Guthaben wurde deinem Konto gutgeschrieben."),
        "ro": ("Ai câștigat {credit}", "{credit} credit a fost adăugat în portofelul tău."),
    },
    events.CREDIT_EARNED + ".pending": {
        "en": ("You earned {credit}", "{credit} of store credit is on its way: you can spend it from {available_at}."),
        "nl": ("Je hebt {credit} verdiend", "{credit} tegoed komt eraan: je kunt het besteden vanaf {available_at}."),
        "de": ("Du hast {credit} erhalten", "{credit} Guthaben ist unterwegs: du kannst es ab {available_at} einlösen."),
        "ro": ("Ai câștigat {credit}", "{credit} credit este pe drum: îl poți folosi din {available_at}."),
    },
    events.CREDIT_SPENT: {
        "en": ("You spent {credit}", "{credit} of store credit was used for order {order}."),
        "nl": ("Je hebt {credit} besteed", "{credit} tegoed is gebruikt voor bestelling {order}."),
        "de": ("Du hast {credit} eingelöst", "{credit} Guthaben wurde für Bestellung {order} eingelöst."),
        "ro": ("Ai folosit {credit}", "{credit} credit a fost folosit pentru comanda {order}."),
    },
    events.CREDIT_RESTORED: {
        "en": ("Your store credit is back", "{credit} of store credit spent on order {order} is back in your wallet."),
        "nl": ("Je tegoed is terug", "{credit} tegoed dat je aan bestelling {order} besteedde, staat weer in je wallet."),
        "de": ("Dein Guthaben ist zurück", "{credit} Guthaben aus Bestellung {order} ist wieder auf deinem Konto."),
        "ro": ("Creditul tău a revenit", "{credit} credit folosit pentru comanda {order} a revenit în portofel."),
    },
    events.CREDIT_CLAWED_BACK: {
        "en": ("Credit taken back after a refund", "After the refund of order {order}, {credit} of store credit was taken back."),
        "nl": ("Tegoed teruggenomen na een terugbetaling", "Na de terugbetaling van bestelling {order} is {credit} tegoed teruggenomen."),
        "de": ("Guthaben nach einer Erstattung abgezogen", "Nach der Erstattung von Bestellung {order} wurden {credit} Guthaben abgezogen."),
        "ro": ("Credit retras după o rambursare", "După rambursarea comenzii {order}, {credit} credit a fost retras."),
    },
    events.TIER_UPGRADED: {
        "en": ("Welcome to {tier_name}", "You moved up from {previous_name} to {tier_name}."),
        "nl": ("Welkom bij {tier_name}", "Je bent van {previous_name} naar {tier_name} gestegen."),
        "de": ("Willkommen bei {tier_name}", "Du bist von {previous_name} zu {tier_name} aufgestiegen."),
        "ro": ("Bun venit la {tier_name}", "Ai urcat de la {previous_name} la {tier_name}."),
    },
    events.TIER_DOWNGRADED: {
        "en": ("Your tier is now {tier_name}", "Your tier changed from {previous_name} to {tier_name}."),
        "nl": ("Je niveau is nu {tier_name}", "Je niveau is veranderd van {previous_name} naar {tier_name}."),
        "de": ("Deine Stufe ist jetzt {tier_name}", "Deine Stufe hat sich von {previous_name} zu {tier_name} geändert."),
        "ro": ("Nivelul tău este acum {tier_name}", "Nivelul tău s-a schimbat din {previous_name} în {tier_name}."),
    },
    events.TIER_AT_RISK: {
        "en": ("Keep your {tier_name} tier", "Earn {remaining_to_keep} more points by {period_end} to keep {tier_name}."),
        "nl": ("Behoud je niveau {tier_name}", "Verdien vóór {period_end} nog {remaining_to_keep} punten om {tier_name} te behouden."),
        "de": ("Behalte deine Stufe {tier_name}", "Sammle bis {period_end} noch {remaining_to_keep} Punkte, um {tier_name} zu behalten."),
        "ro": ("Păstrează nivelul {tier_name}", "Mai câștigă {remaining_to_keep} puncte până pe {period_end} ca să păstrezi {tier_name}."),
    },
    events.TIER_AT_RISK + ".spend": {
        "en": ("Keep your {tier_name} tier", "Spend {remaining_to_keep} more by {period_end} to keep {tier_name}."),
        "nl": ("Behoud je niveau {tier_name}", "Besteed vóór {period_end} nog {remaining_to_keep} om {tier_name} te behouden."),
        "de": ("Behalte deine Stufe {tier_name}", "Kaufe bis {period_end} noch für {remaining_to_keep} ein, um {tier_name} zu behalten."),
        "ro": ("Păstrează nivelul {tier_name}", "Mai cheltuiește {remaining_to_keep} până pe {period_end} ca să păstrezi {tier_name}."),
    },
    events.TIER_AT_RISK + ".visits": {
        "en": ("Keep your {tier_name} tier", "Visit us {remaining_to_keep} more times by {period_end} to keep {tier_name}."),
        "nl": ("Behoud je niveau {tier_name}", "Kom vóór {period_end} nog {remaining_to_keep} keer langs om {tier_name} te behouden."),
        "de": ("Behalte deine Stufe {tier_name}", "Besuche uns bis {period_end} noch {remaining_to_keep} Mal, um {tier_name} zu behalten."),
        "ro": ("Păstrează nivelul {tier_name}", "Mai vizitează-ne de {remaining_to_keep} ori până pe {period_end} ca să păstrezi {tier_name}."),
    },
    events.BIRTHDAY_REWARDED: {
        "en": ("Happy birthday!", "Your birthday gift is in your wallet: {points} points and {credit}."),
        "nl": ("Gefeliciteerd!", "Je verjaardagscadeau staat in je wallet: {points} punten en {credit}."),
        "de": ("Alles Gute zum Geburtstag!", "Dein Geburtstagsgeschenk ist auf deinem Konto: {points} Punkte und {credit}."),
        "ro": ("La mulți ani!", "Cadoul tău de ziua ta este în portofel: {points} puncte și {credit}."),
    },
    events.BIRTHDAY_REWARDED + ".points": {
        "en": ("Happy birthday!", "Your birthday gift is in your wallet: {points} points."),
        "nl": ("Gefeliciteerd!", "Je verjaardagscadeau staat in je wallet: {points} punten."),
        "de": ("Alles Gute zum Geburtstag!", "Dein Geburtstagsgeschenk ist auf deinem Konto: {points} Punkte."),
        "ro": ("La mulți ani!", "Cadoul tău de ziua ta este în portofel: {points} puncte."),
    },
    events.BIRTHDAY_REWARDED + ".credit": {
        "en": ("Happy birthday!", "Your birthday gift is in your wallet: {credit} of store credit."),
        "nl": ("Gefeliciteerd!", "Je verjaardagscadeau staat in je wallet: {credit} tegoed."),
        "de": ("Alles Gute zum Geburtstag!", "Dein Geburtstagsgeschenk ist auf deinem Konto: {credit} Guthaben."),
        "ro": ("La mulți ani!", "Cadoul tău de ziua ta este în portofel: {credit} credit."),
    },
    events.YEARLY_REWARD_GIVEN: {
        "en": ("Your {tier_name} yearly reward", "As a {tier_name} member you received {points} points and {credit}."),
        "nl": ("Je jaarlijkse {tier_name}-beloning", "Als {tier_name}-lid heb je {points} punten en {credit} gekregen."),
        "de": ("Deine jährliche {tier_name}-Prämie", "Als {tier_name}-Mitglied hast du {points} Punkte und {credit} erhalten."),
        "ro": ("Recompensa anuală {tier_name}", "Ca membru {tier_name} ai primit {points} puncte și {credit}."),
    },
    events.YEARLY_REWARD_GIVEN + ".points": {
        "en": ("Your {tier_name} yearly reward", "As a {tier_name} member you received {points} points."),
        "nl": ("Je jaarlijkse {tier_name}-beloning", "Als {tier_name}-lid heb je {points} punten gekregen."),
        "de": ("Deine jährliche {tier_name}-Prämie", "Als {tier_name}-Mitglied hast du {points} Punkte erhalten."),
        "ro": ("Recompensa anuală {tier_name}", "Ca membru {tier_name} ai primit {points} puncte."),
    },
    events.YEARLY_REWARD_GIVEN + ".credit": {
        "en": ("Your {tier_name} yearly reward", "As a {tier_name} member you received {credit} of store credit."),
        "nl": ("Je jaarlijkse {tier_name}-beloning", "Als {tier_name}-lid heb je {credit} tegoed gekregen."),
        "de": ("Deine jährliche {tier_name}-Prämie", "Als {tier_name}-Mitglied hast du {credit} Guthaben erhalten."),
        "ro": ("Recompensa anuală {tier_name}", "Ca membru {tier_name} ai primit {credit} credit."),
    },
    events.REWARD_REDEEMED: {
        "en": ("Your reward: {reward_name}", "You redeemed {reward_name} for {points} points. Your code: {code}."),
        "nl": ("Je beloning: {reward_name}", "Je hebt {reward_name} ingewisseld voor {points} punten. Je code: {code}."),
        "de": ("Deine Prämie: {reward_name}", "Du hast {reward_name} für {points} Punkte eingelöst. Dein Code: {code}."),
        "ro": ("Recompensa ta: {reward_name}", "Ai revendicat {reward_name} pentru {points} puncte. Codul tău: {code}."),
    },
    events.REWARD_ISSUED: {
        "en": ("A gift for you: {reward_name}", "You received {reward_name}. Your code: {code}."),
        "nl": ("Een cadeau voor jou: {reward_name}", "Je hebt {reward_name} gekregen. Je code: {code}."),
        "de": ("Ein Geschenk für dich: {reward_name}", "Du hast {reward_name} erhalten. Dein Code: {code}."),
        "ro": ("Un cadou pentru tine: {reward_name}", "Ai primit {reward_name}. Codul tău: {code}."),
    },
    events.DONATION_MADE: {
        "en": ("Thank you for your donation", "You gave {points} points, worth {value}, to {charity_name}."),
        "nl": ("Bedankt voor je donatie", "Je hebt {points} punten, ter waarde van {value}, aan {charity_name} gegeven."),
        "de": ("Danke für deine Spende", "Du hast {points} Punkte im Wert von {value} an {charity_name} gespendet."),
        "ro": ("Îți mulțumim pentru donație", "Ai donat {points} puncte, în valoare de {value}, către {charity_name}."),
    },
    events.REFERRAL_COMPLETED: {
        "en": ("{friend_name} joined thanks to you", "Your friend {friend_name} joined: you earned {points} points."),
        "nl": ("{friend_name} is lid dankzij jou", "Je vriend {friend_name} is lid geworden: je hebt {points} punten verdiend."),
        "de": ("{friend_name} ist dank dir dabei", "Dein Freund {friend_name} ist beigetreten: du hast {points} Punkte erhalten."),
        "ro": ("{friend_name} s-a alăturat datorită ție", "Prietenul tău {friend_name} s-a alăturat: ai câștigat {points} puncte."),
    },
    events.REFERRAL_COMPLETED + ".capped": {
        "en": ("{friend_name} joined thanks to you", "Your friend {friend_name} joined. You have reached this year's limit of referral points, so this one brings no points."),
        "nl": ("{friend_name} is lid dankzij jou", "Je vriend {friend_name} is lid geworden. Je hebt het maximum aan verwijzingspunten voor dit jaar bereikt, dus deze levert geen punten op."),
        "de": ("{friend_name} ist dank dir dabei", "Dein Freund {friend_name} ist beigetreten. Du hast die Höchstzahl an Empfehlungspunkten für dieses Jahr erreicht, daher gibt es dafür keine Punkte."),
        "ro": ("{friend_name} s-a alăturat datorită ție", "Prietenul tău {friend_name} s-a alăturat. Ai atins limita de puncte pentru recomandări din acest an, așa că aceasta nu aduce puncte."),
    },
    events.REWARD_USED: {
        "en": ("Reward used: {reward_name}", "Your code {code} for {reward_name} was used with order {order}."),
        "nl": ("Beloning gebruikt: {reward_name}", "Je code {code} voor {reward_name} is gebruikt bij bestelling {order}."),
        "de": ("Prämie eingelöst: {reward_name}", "Dein Code {code} für {reward_name} wurde bei Bestellung {order} eingelöst."),
        "ro": ("Recompensă folosită: {reward_name}", "Codul tău {code} pentru {reward_name} a fost folosit la comanda {order}."),
    },
    events.REWARD_EXPIRED: {
        "en": ("Reward expired: {reward_name}", "Your code {code} for {reward_name} has expired and can no longer be used."),
        "nl": ("Beloning verlopen: {reward_name}", "Je code {code} voor {reward_name} is verlopen en kan niet meer worden gebruikt."),
        "de": ("Prämie abgelaufen: {reward_name}", "Dein Code {code} für {reward_name} ist abgelaufen und kann nicht mehr eingelöst werden."),
        "ro": ("Recompensă expirată: {reward_name}", "Codul tău {code} pentru {reward_name} a expirat și nu mai poate fi folosit."),
    },
    events.REWARD_CANCELED: {
        "en": ("Reward canceled: {reward_name}", "Your code {code} for {reward_name} was canceled. {points} points are back in your wallet."),
        "nl": ("Beloning geannuleerd: {reward_name}", "Je code {code} voor {reward_name} is geannuleerd. {points} punten staan weer in je wallet."),
        "de": ("Prämie storniert: {reward_name}", "Dein Code {code} für {reward_name} wurde storniert. {points} Punkte sind wieder auf deinem Konto."),
        "ro": ("Recompensă anulată: {reward_name}", "Codul tău {code} pentru {reward_name} a fost anulat. {points} puncte au revenit în portofel."),
    },
    events.REWARD_CANCELED + ".gift": {
        "en": ("Reward canceled: {reward_name}", "Your code {code} for {reward_name} was canceled."),
        "nl": ("Beloning geannuleerd: {reward_name}", "Je code {code} voor {reward_name} is geannuleerd."),
        "de": ("Prämie storniert: {reward_name}", "Dein Code {code} für {reward_name} wurde storniert."),
        "ro": ("Recompensă anulată: {reward_name}", "Codul tău {code} pentru {reward_name} a fost anulat."),
    },
    events.ACCOUNT_VERIFY_EMAIL: {
        "en": ("Confirm your email address", "Confirm that {to} is your email address. The link works once, for {hours} hours. If you did not ask for this, ignore this email."),
        "nl": ("Bevestig je e-mailadres", "Bevestig dat {to} jouw e-mailadres is. De link werkt één keer, {hours} uur lang. Heb je hier niet om gevraagd, negeer deze e-mail dan."),
        "de": ("Bestätige deine E-Mail-Adresse", "Bestätige, dass {to} deine E-Mail-Adresse ist. Der Link funktioniert einmal, {hours} Stunden lang. Wenn du das nicht angefordert hast, ignoriere diese E-Mail."),
        "ro": ("Confirmă adresa de e-mail", "Confirmă că {to} este adresa ta de e-mail. Linkul funcționează o singură dată, timp de {hours} ore. Dacă nu ai cerut asta, ignoră acest e-mail."),
    },
    events.ACCOUNT_PASSWORD_RESET: {
        "en": ("Reset your password", "Someone asked to reset the password of your account. The link works once, for {minutes} minutes. If it was not you, ignore this email: your password stays as it is."),
        "nl": ("Stel je wachtwoord opnieuw in", "Iemand heeft gevraagd het wachtwoord van je account opnieuw in te stellen. De link werkt één keer, {minutes} minuten lang. Was jij het niet, negeer deze e-mail dan: je wachtwoord blijft hetzelfde."),
        "de": ("Setze dein Passwort zurück", "Jemand hat angefordert, das Passwort deines Kontos zurückzusetzen. Der Link funktioniert einmal, {minutes} Minuten lang. Warst du das nicht, ignoriere diese E-Mail: dein Passwort bleibt, wie es ist."),
        "ro": ("Resetează-ți parola", "Cineva a cerut resetarea parolei contului tău. Linkul funcționează o singură dată, timp de {minutes} minute. Dacă nu ai fost tu, ignoră acest e-mail: parola ta rămâne aceeași."),
    },
    events.ACCOUNT_PASSWORD_CHANGED: {
        "en": ("Your password was changed", "The password of your account was just changed, and every other device was signed out. If it was not you, reset your password now."),
        "nl": ("Je wachtwoord is gewijzigd", "Het wachtwoord van je account is zojuist gewijzigd en alle andere apparaten zijn afgemeld. Was jij het niet, herstel je wachtwoord dan nu."),
        "de": ("Dein Passwort wurde geändert", "Das Passwort deines Kontos wurde gerade geändert, und alle anderen Geräte wurden abgemeldet. Warst du das nicht, setze dein Passwort jetzt zurück."),
        "ro": ("Parola ta a fost schimbată", "Parola contului tău tocmai a fost schimbată, iar toate celelalte dispozitive au fost deconectate. Dacă nu ai fost tu, resetează-ți parola acum."),
    },
}

# -- paid memberships
LINKS.update({topic: "/wallet/membership" for topic in (
    events.MEMBERSHIP_STARTED, events.MEMBERSHIP_RENEWAL_DUE, events.MEMBERSHIP_RENEWED,
    events.MEMBERSHIP_PAYMENT_FAILED, events.MEMBERSHIP_PAST_DUE, events.MEMBERSHIP_EXPIRED,
    events.MEMBERSHIP_CANCELED, events.MEMBERSHIP_CHANGED, events.PLAN_CREDIT_POSTED, events.PLAN_DIVIDEND_PAID,
)})
TEXTS.update({
    events.MEMBERSHIP_STARTED: {
        "en": ("Welcome to {plan_name}", "Your {plan_name} membership is active: your perks apply from now on."),
        "nl": ("Welkom bij {plan_name}", "Je {plan_name}-lidmaatschap is actief: je voordelen gelden vanaf nu."),
        "de": ("Willkommen bei {plan_name}", "Deine Mitgliedschaft {plan_name} ist aktiv: deine Vorteile gelten ab jetzt."),
        "ro": ("Bun venit la {plan_name}", "Abonamentul tău {plan_name} este activ: beneficiile se aplică de acum."),
    },
    events.MEMBERSHIP_RENEWAL_DUE: {
        "en": ("{plan_name} renews soon", "Your {plan_name} membership renews on {period_end}."),
        "nl": ("{plan_name} wordt binnenkort verlengd", "Je {plan_name}-lidmaatschap wordt verlengd op {period_end}."),
        "de": ("{plan_name} verlängert sich bald", "Deine Mitgliedschaft {plan_name} verlängert sich am {period_end}."),
        "ro": ("{plan_name} se reînnoiește în curând", "Abonamentul tău {plan_name} se reînnoiește pe {period_end}."),
    },
    events.MEMBERSHIP_RENEWED: {
        "en": ("{plan_name} renewed", "Thank you: your {plan_name} membership now runs until {period_end}."),
        "nl": ("{plan_name} verlengd", "Dank je: je {plan_name}-lidmaatschap loopt nu tot {period_end}."),
        "de": ("{plan_name} verlängert", "Danke: deine Mitgliedschaft {plan_name} läuft jetzt bis {period_end}."),
        "ro": ("{plan_name} reînnoit", "Mulțumim: abonamentul tău {plan_name} este valabil acum până pe {period_end}."),
    },
    events.MEMBERSHIP_PAYMENT_FAILED: {
        "en": ("Payment for {plan_name} failed", "We could not collect the payment for {plan_name}: your perks are paused until it is paid."),
        "nl": ("Betaling voor {plan_name} mislukt", "We konden de betaling voor {plan_name} niet innen: je voordelen zijn gepauzeerd tot er betaald is."),
        "de": ("Zahlung für {plan_name} fehlgeschlagen", "Wir konnten die Zahlung für {plan_name} nicht einziehen: deine Vorteile ruhen, bis sie bezahlt ist."),
        "ro": ("Plata pentru {plan_name} a eșuat", "Nu am putut încasa plata pentru {plan_name}: beneficiile sunt suspendate până la plată."),
    },
    events.MEMBERSHIP_PAST_DUE: {
        "en": ("{plan_name} is past due", "Your {plan_name} period ended unpaid: your perks are paused. Pay soon to keep your membership."),
        "nl": ("{plan_name} is niet betaald", "Je {plan_name}-periode is onbetaald afgelopen: je voordelen zijn gepauzeerd. Betaal snel om je lidmaatschap te houden."),
        "de": ("{plan_name} ist überfällig", "Dein Zeitraum von {plan_name} ist unbezahlt abgelaufen: deine Vorteile ruhen. Bezahle bald, um deine Mitgliedschaft zu behalten."),
        "ro": ("{plan_name} este restant", "Perioada {plan_name} s-a încheiat neplătită: beneficiile sunt suspendate. Plătește curând ca să îți păstrezi abonamentul."),
    },
    events.MEMBERSHIP_EXPIRED: {
        "en": ("{plan_name} has ended", "Your {plan_name} membership has ended. You can subscribe again at any time."),
        "nl": ("{plan_name} is beëindigd", "Je {plan_name}-lidmaatschap is beëindigd. Je kunt je altijd opnieuw aanmelden."),
        "de": ("{plan_name} ist beendet", "Deine Mitgliedschaft {plan_name} ist beendet. Du kannst jederzeit wieder abonnieren."),
        "ro": ("{plan_name} s-a încheiat", "Abonamentul tău {plan_name} s-a încheiat. Te poți abona din nou oricând."),
    },
    events.MEMBERSHIP_CANCELED: {
        "en": ("{plan_name} canceled", "Your {plan_name} membership is canceled and its perks have ended."),
        "nl": ("{plan_name} opgezegd", "Je {plan_name}-lidmaatschap is opgezegd en de voordelen zijn beëindigd."),
        "de": ("{plan_name} gekündigt", "Deine Mitgliedschaft {plan_name} ist gekündigt, und ihre Vorteile sind beendet."),
        "ro": ("{plan_name} anulat", "Abonamentul tău {plan_name} este anulat, iar beneficiile s-au încheiat."),
    },
    events.MEMBERSHIP_CHANGED: {
        "en": ("Your {plan_name} membership", "Your {plan_name} membership was updated: see the app for its status and dates."),
        "nl": ("Je {plan_name}-lidmaatschap", "Je {plan_name}-lidmaatschap is bijgewerkt: zie de app voor de status en data."),
        "de": ("Deine Mitgliedschaft {plan_name}", "Deine Mitgliedschaft {plan_name} wurde aktualisiert: Status und Daten siehst du in der App."),
        "ro": ("Abonamentul tău {plan_name}", "Abonamentul tău {plan_name} a fost actualizat: vezi starea și datele în aplicație."),
    },
    events.PLAN_CREDIT_POSTED: {
        "en": ("{credit} from {plan_name}", "Your {plan_name} credit of {credit} is in your wallet, ready to spend."),
        "nl": ("{credit} van {plan_name}", "Je tegoed van {credit} van {plan_name} staat in je wallet, klaar om te besteden."),
        "de": ("{credit} von {plan_name}", "Dein Guthaben von {credit} von {plan_name} ist in deinem Konto und kann ausgegeben werden."),
        "ro": ("{credit} de la {plan_name}", "Creditul tău de {credit} de la {plan_name} este în portofel, gata de folosit."),
    },
    events.PLAN_DIVIDEND_PAID: {
        "en": ("Your {plan_name} dividend", "{percent}% of your spend in {year} is back as {credit} of store credit."),
        "nl": ("Je dividend van {plan_name}", "{percent}% van je bestedingen in {year} krijg je terug als {credit} tegoed."),
        "de": ("Deine Dividende von {plan_name}", "{percent} % deiner Ausgaben in {year} bekommst du als {credit} Guthaben zurück."),
        "ro": ("Dividendul tău {plan_name}", "{percent}% din cheltuielile tale din {year} îți revin ca {credit} credit."),
    },
})

# -- passes
LINKS.update({topic: "/wallet" for topic in (
    events.PASS_STAMPED, events.PASS_BOUGHT, events.PASS_VISIT_USED, events.PASS_VISITS_LOW, events.PASS_EXPIRING,
    events.PASS_EXPIRED, events.PASS_CANCELED, events.PASS_CREDIT_SPENT, events.PASS_CREDIT_RESTORED,
)})
LINKS[events.PASS_CARD_COMPLETED] = "/rewards"
TEXTS.update({
    events.PASS_STAMPED: {
        "en": ("Stamp {stamps} of {visits}", "Your {product_name} has {stamps} of {visits} stamps: {remaining} more to {reward_name}."),
        "nl": ("Stempel {stamps} van {visits}", "Je {product_name} heeft {stamps} van {visits} stempels: nog {remaining} tot {reward_name}."),
        "de": ("Stempel {stamps} von {visits}", "Deine {product_name} hat {stamps} von {visits} Stempeln: noch {remaining} bis {reward_name}."),
        "ro": ("Ștampila {stamps} din {visits}", "{product_name} are {stamps} din {visits} ștampile: încă {remaining} până la {reward_name}."),
    },
    events.PASS_CARD_COMPLETED: {
        "en": ("Your card is full: {reward_name}", "Your {product_name} is complete. Your {reward_name} code: {code}. A new card has started."),
        "nl": ("Je kaart is vol: {reward_name}", "Je {product_name} is vol. Je code voor {reward_name}: {code}. Er is een nieuwe kaart gestart."),
        "de": ("Deine Karte ist voll: {reward_name}", "Deine {product_name} ist voll. Dein Code für {reward_name}: {code}. Eine neue Karte hat begonnen."),
        "ro": ("Cardul tău e complet: {reward_name}", "{product_name} este complet. Codul tău pentru {reward_name}: {code}. A început un card nou."),
    },
    events.PASS_BOUGHT: {
        "en": ("{product_name} is yours", "Your payment is in: your {product_name} is ready to use."),
        "nl": ("{product_name} is van jou", "Je betaling is binnen: je {product_name} is klaar voor gebruik."),
        "de": ("{product_name} gehört dir", "Deine Zahlung ist eingegangen: dein {product_name} ist bereit."),
        "ro": ("{product_name} este al tău", "Plata ta a sosit: {product_name} este gata de folosit."),
    },
    events.PASS_VISIT_USED: {
        "en": ("Welcome in", "A visit was recorded on your {product_name}."),
        "nl": ("Welkom", "Er is een bezoek geregistreerd op je {product_name}."),
        "de": ("Willkommen", "Ein Besuch wurde auf deinem {product_name} verbucht."),
        "ro": ("Bine ai venit", "O vizită a fost înregistrată pe {product_name}."),
    },
    events.PASS_VISITS_LOW: {
        "en": ("{visits_left} visits left", "Your {product_name} has {visits_left} visits left."),
        "nl": ("Nog {visits_left} bezoeken", "Je {product_name} heeft nog {visits_left} bezoeken."),
        "de": ("Noch {visits_left} Besuche", "Dein {product_name} hat noch {visits_left} Besuche."),
        "ro": ("Mai ai {visits_left} vizite", "{product_name} mai are {visits_left} vizite."),
    },
    events.PASS_EXPIRING: {
        "en": ("{product_name} ends soon", "Your {product_name} is valid until {valid_until}."),
        "nl": ("{product_name} loopt bijna af", "Je {product_name} is geldig tot {valid_until}."),
        "de": ("{product_name} läuft bald ab", "Dein {product_name} gilt bis {valid_until}."),
        "ro": ("{product_name} expiră curând", "{product_name} este valabil până la {valid_until}."),
    },
    events.PASS_EXPIRED: {
        "en": ("{product_name} has ended", "Your {product_name} was valid until {valid_until}."),
        "nl": ("{product_name} is afgelopen", "Je {product_name} was geldig tot {valid_until}."),
        "de": ("{product_name} ist abgelaufen", "Dein {product_name} galt bis {valid_until}."),
        "ro": ("{product_name} a expirat", "{product_name} a fost valabil până la {valid_until}."),
    },
    events.PASS_CANCELED: {
        "en": ("{product_name} canceled", "The payment of your {product_name} was refunded, so the pass is canceled."),
        "nl": ("{product_name} geannuleerd", "De betaling van je {product_name} is terugbetaald, dus de pas is geannuleerd."),
        "de": ("{product_name} storniert", "Die Zahlung für dein {product_name} wurde erstattet, daher ist der Pass storniert."),
        "ro": ("{product_name} anulat", "Plata pentru {product_name} a fost rambursată, așa că abonamentul este anulat."),
    },
    events.PASS_CREDIT_SPENT: {
        "en": ("{credit} paid with {product_name}", "You paid {credit} with your {product_name}: {balance} left."),
        "nl": ("{credit} betaald met {product_name}", "Je betaalde {credit} met je {product_name}: nog {balance} over."),
        "de": ("{credit} mit {product_name} bezahlt", "Du hast {credit} mit deinem {product_name} bezahlt: noch {balance} übrig."),
        "ro": ("{credit} plătit cu {product_name}", "Ai plătit {credit} cu {product_name}: mai ai {balance}."),
    },
    events.PASS_CREDIT_RESTORED: {
        "en": ("{credit} back on {product_name}", "A refund put {credit} back on your {product_name}: {balance} left."),
        "nl": ("{credit} terug op {product_name}", "Een terugbetaling zette {credit} terug op je {product_name}: nog {balance} over."),
        "de": ("{credit} zurück auf {product_name}", "Eine Erstattung hat {credit} auf dein {product_name} zurückgebucht: noch {balance} übrig."),
        "ro": ("{credit} înapoi pe {product_name}", "O rambursare a pus {credit} înapoi pe {product_name}: mai ai {balance}."),
    },
})
