"""Member-facing descriptions of wallet history entries, in English, Dutch, German and Romanian.

`describe(code, memo, amount, locale)` turns one transfer into a line such as
"Purchase of EUR 100.00 (order O-1)". It never raises: an unknown code, a missing memo key or
an unreadable memo gives a shorter, generic text instead.

How the texts are looked up
    TEXTS[language][key] is a template, or a tuple of templates tried in order: the first one
    whose placeholders are all available wins. A key is the transfer code ("CLAWBACK"), or a
    refinement of it tried first ("EARN_ACTION.SIGN_UP", "SETTLE_DEBT.partial"). When no key
    of the code gives a text, "*" does. Adding a code is adding one entry per language (a
    test checks that every language has the same keys as English).

Placeholders
    Every scalar memo value under its own name ({order}, {refund}, {reason}, ...; empty values
    count as missing), and:
    {money}  memo amount_minor + currency, formatted for the language (see below)
    {points} the transfer's amount
    {why}    for a purchase, ": " and the earning steps when there is more than the base step,
             else ""; a step is rendered by "step.<name>" (or "step.<name>.<plural form>") with
             {detail}, {count} (the detail when it is a number, localized), {currency} and
             {tier_name} (from the memo), and an unknown step by its name and detail. The steps
             are those of loyalty.earning.pipeline: base, tier, new_member, bonus_day,
             promotion (multipliers, detail the multiple) and promotion_points; when two
             or more multipliers applied, "step.combined" follows with the multiple they
             made together (2X, 2X and 3X added as extras: "5X in all").
    {earning} memo earning_minor as money: the part of an order paid in money, when points
             or store credit paid the rest (only that part earns).
    {pass_credit}, {balance} memo pass_credit_minor and balance_minor as money: pass credit
             spent or given back, and what the pass holds after.
    {valid_through} memo valid_through (an ISO date) as the language writes a date.

Besides transfer codes, the keys hold those of the pass history (loyalty.passes.history:
VISIT_STAMP, VISIT_PACK, VISIT_TIME, PASS_BOUGHT, ...; "VISIT_STAMP.last" and
"VISIT_PACK.last" when nothing is left), and a visit's points (EARN_ACTION with a `visit`
memo) are described as that visit.

Money, numbers and the language: as everywhere a member reads them, by `loyalty.i18n` (the
currency's minor units as decimals, the locale's CLDR grouping and currency placement:
en "EUR 1,234.50", nl "EUR 1.234,50", de and ro "1.234,50 EUR", en "JPY 1,234"). The language
is the language subtag of a BCP 47 tag, case-insensitively ("NL-nl" is Dutch); any other
language, or none, is English.
"""
from __future__ import annotations

import json
from datetime import date as Date
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from loyalty import i18n
from loyalty.i18n import language

Templates = str | tuple[str, ...]

TEXTS: dict[str, dict[str, Templates]] = {
    "en": {
        "*": "Points activity",
        "EARN_PURCHASE": ("Purchase of {money} (order {order}), {earning} of it paid in money{why}",
                          "Purchase of {money} (order {order}){why}", "Purchase (order {order})",
                          "Purchase of {money}", "Purchase"),
        "PAY_WITH_POINTS": ("Paid with points (order {order})", "Paid with points"),
        "CLAWBACK": ("Points taken back: refund {refund} of order {order}", "Points taken back after a refund"),
        "RESTORE": ("Points returned: refund {refund} of order {order}", "Points returned after a refund"),
        "SHORTFALL": ("Points owed after refund {refund} of order {order}", "Points owed after a refund"),
        "SETTLE_DEBT": "Points owed, settled",
        "SETTLE_DEBT.partial": "Points owed, partly settled",
        "EARN_ACTION": "Points for an activity",
        "EARN_ACTION.SIGN_UP": "Welcome points",
        "EARN_ACTION.NEWSLETTER_SIGNUP": "Newsletter sign-up",
        "EARN_ACTION.PRODUCT_REVIEW": "Product review",
        "EARN_ACTION.SOCIAL_FOLLOW": "Social follow",
        "EARN_ACTION.SOCIAL_SHARE": "Social share",
        "EARN_ACTION.BIRTHDAY": "Birthday points",
        "EARN_ACTION.FITNESS_ACTIVITY": "Fitness activity",
        "EARN_ACTION.SURVEY_COMPLETED": "Survey completed",
        "EARN_ACTION.VISIT": "Visit",
        "EXPIRY": "Points expired",
        "BONUS": ("Bonus points: {reason}", "Bonus points"),
        "ADJUSTMENT": ("Adjustment: {reason}", "Adjustment"),
        "REDEEM_REWARD": ("Reward: {reward_name}", "Reward"),
        "REWARD_CREDIT": ("Store credit reward: {reward_name}", "Store credit reward"),
        "REWARD_CANCELED": ("Reward canceled, points returned: {reward_name}", "Reward canceled, points returned"),
        "DONATION": ("Donation to {charity_name}", "Donation"),
        "PROGRAM_DONATION": ("Donated by the program to {charity_name} for you", "Donated by the program for you"),
        "REFERRAL": "Points for referring a friend",
        "step.base.one": "{count} point per {currency}",
        "step.base": "{count} points per {currency}",
        "CASHBACK": ("Cashback of {percent}% of {earning} paid in money on order {order}",
                     "Cashback of {percent}% on order {order}", "Cashback"),
        "SHORTFALL.CREDIT": ("Store credit owed after refund {refund} of order {order}",
                             "Store credit owed after a refund"),
        "CASHBACK_CLAWBACK": ("Cashback taken back: refund {refund} of order {order}", "Cashback taken back after a refund"),
        "PAY_WITH_CREDIT": ("Paid with store credit (order {order})", "Paid with store credit"),
        "CREDIT_RESTORE": ("Store credit returned: refund {refund} of order {order}",
                           "Store credit returned after a refund"),
        "BIRTHDAY_REWARD": ("Happy birthday: your {tier_name} birthday reward", "Birthday reward"),
        "YEARLY_REWARD": ("Your {tier_name} reward for {year}", "Yearly tier reward"),
        "step.tier": ("{count}X {tier_name} tier", "{count}X tier bonus"),
        "step.plan": ("{count}X {plan_name}", "{count}X plan bonus"),
        "PLAN_PERK": ("{plan_name} store credit", "Plan store credit"),
        "PLAN_PERK.dividend": ("{plan_name} dividend for {year}", "Yearly plan dividend"),
        "PLAN_PERK_CLAWBACK": ("Plan credit taken back: payment refunded", "Plan credit taken back"),
        "FORFEIT": "Forfeited: the account was erased",
        "PASS_CREDIT": ("{money} of credit on your {pass_name}", "Pass credit"),
        "PAY_WITH_PASS": ("Paid {pass_credit} with your {pass_name} (order {order}): {balance} left",
                          "Paid {pass_credit} with pass credit (order {order})", "Paid with pass credit"),
        "PASS_RESTORE": ("{pass_credit} returned to your {pass_name}: refund {refund} of order {order}, {balance} left",
                         "{pass_credit} of pass credit returned: refund {refund} of order {order}", "Pass credit returned"),
        "PASS_EXPIRY": ("{money} of credit expired with your {pass_name}", "Pass credit expired"),
        "PASS_CANCELED": ("{money} of credit canceled: the payment of your {pass_name} was refunded", "Pass credit canceled"),
        "VISIT_STAMP": ("Visit: stamp {used} of {total} on your {pass_name}, {left} more to {reward_name}",
                        "Visit: stamp {used} of {total} on your {pass_name}", "Visit"),
        "VISIT_STAMP.last": ("Visit: stamp {used} of {total} on your {pass_name}, the card is complete", "Visit"),
        "VISIT_PACK": ("Visit with your {pass_name}: {left} of {total} visits left", "Visit"),
        "VISIT_PACK.last": ("Visit with your {pass_name}: the last of its {total} visits", "Visit"),
        "VISIT_TIME": ("Visit with your {pass_name}, valid through {valid_through}", "Visit with your {pass_name}", "Visit"),
        "PASS_BOUGHT": ("{pass_name} bought for {money}: it starts when the payment is in",
                        "{pass_name} bought: it starts when the payment is in", "Pass bought"),
        "PASS_PAID": ("{pass_name} paid: {total} visits, valid through {valid_through}",
                      "{pass_name} paid: valid through {valid_through}", "{pass_name} paid: {total} visits",
                      "{pass_name} paid", "Pass paid"),
        "PASS_COMPLETED": ("Your {pass_name} is complete: {reward_name} is yours, coupon {coupon}",
                           "Your {pass_name} is complete: {reward_name} is yours", "Your {pass_name} is complete",
                           "Card complete"),
        "PASS_USED_UP": ("Your {pass_name} is used up: all {total} visits taken", "Your {pass_name} is used up",
                         "Pass used up"),
        "PASS_EXPIRED": ("Your {pass_name} expired with {left} of {total} visits unused",
                         "Your {pass_name} expired (valid through {valid_through})", "Your {pass_name} expired",
                         "Pass expired"),
        "PASS_REFUNDED": ("The payment of your {pass_name} was refunded: the pass is canceled, {used} of {total} visits used",
                          "The payment of your {pass_name} was refunded: the pass is canceled", "Pass canceled"),
        "step.new_member": "{count}X new member bonus",
        "step.bonus_day": "{count}X on your bonus day",
        "step.promotion": "{count}X promotion",
        "step.combined": "{count}X in all",
        "step.promotion_points.one": "{count} promotion point",
        "step.promotion_points": "{count} promotion points",
    },
    "nl": {
        "*": "Puntenmutatie",
        "EARN_PURCHASE": ("Aankoop van {money} (bestelling {order}), waarvan {earning} in geld{why}",
                          "Aankoop van {money} (bestelling {order}){why}", "Aankoop (bestelling {order})",
                          "Aankoop van {money}", "Aankoop"),
        "PAY_WITH_POINTS": ("Betaald met punten (bestelling {order})", "Betaald met punten"),
        "CLAWBACK": ("Punten teruggenomen: terugbetaling {refund} van bestelling {order}",
                     "Punten teruggenomen na een terugbetaling"),
        "RESTORE": ("Punten teruggegeven: terugbetaling {refund} van bestelling {order}",
                    "Punten teruggegeven na een terugbetaling"),
        "SHORTFALL": ("Openstaande punten na terugbetaling {refund} van bestelling {order}",
                      "Openstaande punten na een terugbetaling"),
        "SETTLE_DEBT": "Openstaande punten verrekend",
        "SETTLE_DEBT.partial": "Openstaande punten deels verrekend",
        "EARN_ACTION": "Punten voor een activiteit",
        "EARN_ACTION.SIGN_UP": "Welkomstpunten",
        "EARN_ACTION.NEWSLETTER_SIGNUP": "Aanmelding nieuwsbrief",
        "EARN_ACTION.PRODUCT_REVIEW": "Productreview",
        "EARN_ACTION.SOCIAL_FOLLOW": "Volgen op sociale media",
        "EARN_ACTION.SOCIAL_SHARE": "Delen op sociale media",
        "EARN_ACTION.BIRTHDAY": "Verjaardagspunten",
        "EARN_ACTION.FITNESS_ACTIVITY": "Sportactiviteit",
        "EARN_ACTION.SURVEY_COMPLETED": "Enquête ingevuld",
        "EARN_ACTION.VISIT": "Bezoek",
        "EXPIRY": "Punten verlopen",
        "BONUS": ("Bonuspunten: {reason}", "Bonuspunten"),
        "ADJUSTMENT": ("Correctie: {reason}", "Correctie"),
        "REDEEM_REWARD": ("Beloning: {reward_name}", "Beloning"),
        "REWARD_CREDIT": ("Tegoed als beloning: {reward_name}", "Tegoed als beloning"),
        "REWARD_CANCELED": ("Beloning geannuleerd, punten teruggegeven: {reward_name}",
                            "Beloning geannuleerd, punten teruggegeven"),
        "DONATION": ("Donatie aan {charity_name}", "Donatie"),
        "PROGRAM_DONATION": ("Namens jou gedoneerd aan {charity_name}", "Namens jou gedoneerd"),
        "REFERRAL": "Punten voor het aanbrengen van een vriend",
        "step.base.one": "{count} punt per {currency}",
        "step.base": "{count} punten per {currency}",
        "CASHBACK": ("Cashback van {percent}% over {earning} in geld op bestelling {order}",
                     "Cashback van {percent}% op bestelling {order}", "Cashback"),
        "SHORTFALL.CREDIT": ("Openstaand tegoed na terugbetaling {refund} van bestelling {order}",
                             "Openstaand tegoed na een terugbetaling"),
        "CASHBACK_CLAWBACK": ("Cashback teruggenomen: terugbetaling {refund} van bestelling {order}",
                              "Cashback teruggenomen na een terugbetaling"),
        "PAY_WITH_CREDIT": ("Betaald met tegoed (bestelling {order})", "Betaald met tegoed"),
        "CREDIT_RESTORE": ("Tegoed teruggegeven: terugbetaling {refund} van bestelling {order}",
                           "Tegoed teruggegeven na een terugbetaling"),
        "BIRTHDAY_REWARD": ("Gefeliciteerd: je {tier_name}-verjaardagscadeau", "Verjaardagscadeau"),
        "YEARLY_REWARD": ("Je {tier_name}-beloning voor {year}", "Jaarlijkse niveaubeloning"),
        "step.tier": ("{count}X {tier_name}-niveau", "{count}X niveaubonus"),
        "step.plan": ("{count}X {plan_name}", "{count}X abonnementsbonus"),
        "PLAN_PERK": ("Tegoed van {plan_name}", "Abonnementstegoed"),
        "PLAN_PERK.dividend": ("Dividend van {plan_name} over {year}", "Jaarlijks abonnementsdividend"),
        "PLAN_PERK_CLAWBACK": ("Abonnementstegoed teruggenomen: betaling terugbetaald", "Abonnementstegoed teruggenomen"),
        "FORFEIT": "Vervallen: het account is gewist",
        "PASS_CREDIT": ("{money} tegoed op je {pass_name}", "Pastegoed"),
        "PAY_WITH_PASS": ("{pass_credit} betaald met je {pass_name} (bestelling {order}): nog {balance} over",
                          "{pass_credit} betaald met pastegoed (bestelling {order})", "Betaald met pastegoed"),
        "PASS_RESTORE": ("{pass_credit} teruggezet op je {pass_name}: terugbetaling {refund} van bestelling {order}, nog {balance} over",
                         "{pass_credit} pastegoed teruggegeven: terugbetaling {refund} van bestelling {order}", "Pastegoed teruggegeven"),
        "PASS_EXPIRY": ("{money} tegoed verlopen met je {pass_name}", "Pastegoed verlopen"),
        "PASS_CANCELED": ("{money} tegoed geannuleerd: de betaling van je {pass_name} is terugbetaald", "Pastegoed geannuleerd"),
        "VISIT_STAMP": ("Bezoek: stempel {used} van {total} op je {pass_name}, nog {left} tot {reward_name}",
                        "Bezoek: stempel {used} van {total} op je {pass_name}", "Bezoek"),
        "VISIT_STAMP.last": ("Bezoek: stempel {used} van {total} op je {pass_name}, de kaart is vol", "Bezoek"),
        "VISIT_PACK": ("Bezoek met je {pass_name}: nog {left} van {total} bezoeken", "Bezoek"),
        "VISIT_PACK.last": ("Bezoek met je {pass_name}: het laatste van {total} bezoeken", "Bezoek"),
        "VISIT_TIME": ("Bezoek met je {pass_name}, geldig t/m {valid_through}", "Bezoek met je {pass_name}", "Bezoek"),
        "PASS_BOUGHT": ("{pass_name} gekocht voor {money}: gaat in zodra de betaling binnen is",
                        "{pass_name} gekocht: gaat in zodra de betaling binnen is", "Pas gekocht"),
        "PASS_PAID": ("{pass_name} betaald: {total} bezoeken, geldig t/m {valid_through}",
                      "{pass_name} betaald: geldig t/m {valid_through}", "{pass_name} betaald: {total} bezoeken",
                      "{pass_name} betaald", "Pas betaald"),
        "PASS_COMPLETED": ("Je {pass_name} is vol: {reward_name} is voor jou, coupon {coupon}",
                           "Je {pass_name} is vol: {reward_name} is voor jou", "Je {pass_name} is vol",
                           "Kaart vol"),
        "PASS_USED_UP": ("Je {pass_name} is op: alle {total} bezoeken gebruikt", "Je {pass_name} is op",
                         "Pas op"),
        "PASS_EXPIRED": ("Je {pass_name} is verlopen met {left} van {total} bezoeken ongebruikt",
                         "Je {pass_name} is verlopen (geldig t/m {valid_through})", "Je {pass_name} is verlopen",
                         "Pas verlopen"),
        "PASS_REFUNDED": ("De betaling van je {pass_name} is terugbetaald: de pas is geannuleerd, {used} van {total} bezoeken gebruikt",
                          "De betaling van je {pass_name} is terugbetaald: de pas is geannuleerd", "Pas geannuleerd"),
        "step.new_member": "{count}X bonus voor nieuwe leden",
        "step.bonus_day": "{count}X op je bonusdag",
        "step.promotion": "{count}X actie",
        "step.combined": "{count}X in totaal",
        "step.promotion_points.one": "{count} actiepunt",
        "step.promotion_points": "{count} actiepunten",
    },
    "de": {
        "*": "Punktebewegung",
        "EARN_PURCHASE": ("Einkauf über {money} (Bestellung {order}), davon {earning} in Geld{why}",
                          "Einkauf über {money} (Bestellung {order}){why}", "Einkauf (Bestellung {order})",
                          "Einkauf über {money}", "Einkauf"),
        "PAY_WITH_POINTS": ("Mit Punkten bezahlt (Bestellung {order})", "Mit Punkten bezahlt"),
        "CLAWBACK": ("Punkte abgezogen: Erstattung {refund} zu Bestellung {order}",
                     "Punkte nach einer Erstattung abgezogen"),
        "RESTORE": ("Punkte wieder gutgeschrieben: Erstattung {refund} zu Bestellung {order}",
                    "Punkte nach einer Erstattung wieder gutgeschrieben"),
        "SHORTFALL": ("Offene Punkte nach Erstattung {refund} zu Bestellung {order}",
                      "Offene Punkte nach einer Erstattung"),
        "SETTLE_DEBT": "Offene Punkte ausgeglichen",
        "SETTLE_DEBT.partial": "Offene Punkte teilweise ausgeglichen",
        "EARN_ACTION": "Punkte für eine Aktivität",
        "EARN_ACTION.SIGN_UP": "Willkommenspunkte",
        "EARN_ACTION.NEWSLETTER_SIGNUP": "Newsletter-Anmeldung",
        "EARN_ACTION.PRODUCT_REVIEW": "Produktbewertung",
        "EARN_ACTION.SOCIAL_FOLLOW": "Folgen in sozialen Medien",
        "EARN_ACTION.SOCIAL_SHARE": "Teilen in sozialen Medien",
        "EARN_ACTION.BIRTHDAY": "Geburtstagspunkte",
        "EARN_ACTION.FITNESS_ACTIVITY": "Fitnessaktivität",
        "EARN_ACTION.SURVEY_COMPLETED": "Umfrage ausgefüllt",
        "EARN_ACTION.VISIT": "Besuch",
        "EXPIRY": "Punkte verfallen",
        "BONUS": ("Bonuspunkte: {reason}", "Bonuspunkte"),
        "ADJUSTMENT": ("Korrektur: {reason}", "Korrektur"),
        "REDEEM_REWARD": ("Prämie: {reward_name}", "Prämie"),
        "REWARD_CREDIT": ("Guthaben als Prämie: {reward_name}", "Guthaben als Prämie"),
        "REWARD_CANCELED": ("Prämie storniert, Punkte zurück: {reward_name}", "Prämie storniert, Punkte zurück"),
        "DONATION": ("Spende an {charity_name}", "Spende"),
        "PROGRAM_DONATION": ("Für dich gespendet an {charity_name}", "Für dich gespendet"),
        "REFERRAL": "Punkte für eine Freundschaftsempfehlung",
        "step.base.one": "{count} Punkt pro {currency}",
        "step.base": "{count} Punkte pro {currency}",
        "CASHBACK": ("Cashback von {percent}% auf {earning} in Geld zu Bestellung {order}",
                     "Cashback von {percent}% auf Bestellung {order}", "Cashback"),
        "SHORTFALL.CREDIT": ("Offenes Guthaben nach Erstattung {refund} zu Bestellung {order}",
                             "Offenes Guthaben nach einer Erstattung"),
        "CASHBACK_CLAWBACK": ("Cashback abgezogen: Erstattung {refund} zu Bestellung {order}",
                              "Cashback nach einer Erstattung abgezogen"),
        "PAY_WITH_CREDIT": ("Mit Guthaben bezahlt (Bestellung {order})", "Mit Guthaben bezahlt"),
        "CREDIT_RESTORE": ("Guthaben wieder gutgeschrieben: Erstattung {refund} zu Bestellung {order}",
                           "Guthaben nach einer Erstattung wieder gutgeschrieben"),
        "BIRTHDAY_REWARD": ("Alles Gute zum Geburtstag: deine {tier_name}-Geburtstagsprämie", "Geburtstagsprämie"),
        "YEARLY_REWARD": ("Deine {tier_name}-Prämie für {year}", "Jährliche Stufenprämie"),
        "step.tier": ("{count}X Stufe {tier_name}", "{count}X Stufenbonus"),
        "step.plan": ("{count}X {plan_name}", "{count}X Mitgliedschaftsbonus"),
        "PLAN_PERK": ("Guthaben von {plan_name}", "Mitgliedschaftsguthaben"),
        "PLAN_PERK.dividend": ("Dividende von {plan_name} für {year}", "Jährliche Mitgliedschaftsdividende"),
        "PLAN_PERK_CLAWBACK": ("Mitgliedschaftsguthaben zurückgenommen: Zahlung erstattet", "Mitgliedschaftsguthaben zurückgenommen"),
        "FORFEIT": "Verfallen: das Konto wurde gelöscht",
        "PASS_CREDIT": ("{money} Guthaben auf deinem {pass_name}", "Passguthaben"),
        "PAY_WITH_PASS": ("{pass_credit} mit {pass_name} bezahlt (Bestellung {order}): noch {balance} übrig",
                          "{pass_credit} mit Passguthaben bezahlt (Bestellung {order})", "Mit Passguthaben bezahlt"),
        "PASS_RESTORE": ("{pass_credit} zurück auf {pass_name}: Erstattung {refund} zu Bestellung {order}, noch {balance} übrig",
                         "{pass_credit} Passguthaben zurückgebucht: Erstattung {refund} zu Bestellung {order}", "Passguthaben zurückgebucht"),
        "PASS_EXPIRY": ("{money} Guthaben mit deinem {pass_name} verfallen", "Passguthaben verfallen"),
        "PASS_CANCELED": ("{money} Guthaben storniert: die Zahlung für dein {pass_name} wurde erstattet", "Passguthaben storniert"),
        "VISIT_STAMP": ("Besuch: Stempel {used} von {total} auf {pass_name}, noch {left} bis {reward_name}",
                        "Besuch: Stempel {used} von {total} auf {pass_name}", "Besuch"),
        "VISIT_STAMP.last": ("Besuch: Stempel {used} von {total} auf {pass_name}, die Karte ist voll", "Besuch"),
        "VISIT_PACK": ("Besuch mit {pass_name}: noch {left} von {total} Besuchen", "Besuch"),
        "VISIT_PACK.last": ("Besuch mit {pass_name}: der letzte von {total} Besuchen", "Besuch"),
        "VISIT_TIME": ("Besuch mit {pass_name}, gültig bis {valid_through}", "Besuch mit {pass_name}", "Besuch"),
        "PASS_BOUGHT": ("{pass_name} für {money} gekauft: gilt ab Zahlungseingang",
                        "{pass_name} gekauft: gilt ab Zahlungseingang", "Pass gekauft"),
        "PASS_PAID": ("{pass_name} bezahlt: {total} Besuche, gültig bis {valid_through}",
                      "{pass_name} bezahlt: gültig bis {valid_through}", "{pass_name} bezahlt: {total} Besuche",
                      "{pass_name} bezahlt", "Pass bezahlt"),
        "PASS_COMPLETED": ("{pass_name} ist voll: {reward_name} gehört dir, Gutschein {coupon}",
                           "{pass_name} ist voll: {reward_name} gehört dir", "{pass_name} ist voll",
                           "Karte voll"),
        "PASS_USED_UP": ("{pass_name} ist aufgebraucht: alle {total} Besuche genutzt", "{pass_name} ist aufgebraucht",
                         "Pass aufgebraucht"),
        "PASS_EXPIRED": ("{pass_name} ist abgelaufen, {left} von {total} Besuchen ungenutzt",
                         "{pass_name} ist abgelaufen (gültig bis {valid_through})", "{pass_name} ist abgelaufen",
                         "Pass abgelaufen"),
        "PASS_REFUNDED": ("Die Zahlung für {pass_name} wurde erstattet: storniert, {used} von {total} Besuchen genutzt",
                          "Die Zahlung für {pass_name} wurde erstattet: storniert", "Pass storniert"),
        "step.new_member": "{count}X Neumitgliederbonus",
        "step.bonus_day": "{count}X an deinem Bonustag",
        "step.promotion": "{count}X Aktion",
        "step.combined": "{count}X insgesamt",
        "step.promotion_points.one": "{count} Aktionspunkt",
        "step.promotion_points": "{count} Aktionspunkte",
    },
    "ro": {
        "*": "Tranzacție cu puncte",
        "EARN_PURCHASE": ("Achiziție de {money} (comanda {order}), din care {earning} în bani{why}",
                          "Achiziție de {money} (comanda {order}){why}", "Achiziție (comanda {order})",
                          "Achiziție de {money}", "Achiziție"),
        "PAY_WITH_POINTS": ("Plată cu puncte (comanda {order})", "Plată cu puncte"),
        "CLAWBACK": ("Puncte retrase: rambursarea {refund} pentru comanda {order}",
                     "Puncte retrase după o rambursare"),
        "RESTORE": ("Puncte returnate: rambursarea {refund} pentru comanda {order}",
                    "Puncte returnate după o rambursare"),
        "SHORTFALL": ("Puncte datorate după rambursarea {refund} pentru comanda {order}",
                      "Puncte datorate după o rambursare"),
        "SETTLE_DEBT": "Puncte datorate, achitate",
        "SETTLE_DEBT.partial": "Puncte datorate, achitate parțial",
        "EARN_ACTION": "Puncte pentru o activitate",
        "EARN_ACTION.SIGN_UP": "Puncte de bun venit",
        "EARN_ACTION.NEWSLETTER_SIGNUP": "Abonare la newsletter",
        "EARN_ACTION.PRODUCT_REVIEW": "Recenzie de produs",
        "EARN_ACTION.SOCIAL_FOLLOW": "Urmărire pe rețelele sociale",
        "EARN_ACTION.SOCIAL_SHARE": "Distribuire pe rețelele sociale",
        "EARN_ACTION.BIRTHDAY": "Puncte de ziua ta",
        "EARN_ACTION.FITNESS_ACTIVITY": "Activitate sportivă",
        "EARN_ACTION.SURVEY_COMPLETED": "Chestionar completat",
        "EARN_ACTION.VISIT": "Vizită",
        "EXPIRY": "Puncte expirate",
        "BONUS": ("Puncte bonus: {reason}", "Puncte bonus"),
        "ADJUSTMENT": ("Ajustare: {reason}", "Ajustare"),
        "REDEEM_REWARD": ("Recompensă: {reward_name}", "Recompensă"),
        "REWARD_CREDIT": ("Credit ca recompensă: {reward_name}", "Credit ca recompensă"),
        "REWARD_CANCELED": ("Recompensă anulată, puncte returnate: {reward_name}", "Recompensă anulată, puncte returnate"),
        "DONATION": ("Donație pentru {charity_name}", "Donație"),
        "PROGRAM_DONATION": ("Donat în numele tău pentru {charity_name}", "Donat în numele tău"),
        "REFERRAL": "Puncte pentru recomandarea unui prieten",
        "step.base.one": "{count} punct la fiecare {currency}",
        "step.base": "{count} puncte la fiecare {currency}",
        "step.base.many": "{count} de puncte la fiecare {currency}",
        "CASHBACK": ("Cashback de {percent}% din {earning} plătiți în bani pentru comanda {order}",
                     "Cashback de {percent}% pentru comanda {order}", "Cashback"),
        "SHORTFALL.CREDIT": ("Credit datorat după rambursarea {refund} pentru comanda {order}",
                             "Credit datorat după o rambursare"),
        "CASHBACK_CLAWBACK": ("Cashback retras: rambursarea {refund} pentru comanda {order}",
                              "Cashback retras după o rambursare"),
        "PAY_WITH_CREDIT": ("Plată cu credit (comanda {order})", "Plată cu credit"),
        "CREDIT_RESTORE": ("Credit returnat: rambursarea {refund} pentru comanda {order}",
                           "Credit returnat după o rambursare"),
        "BIRTHDAY_REWARD": ("La mulți ani: recompensa ta {tier_name} de ziua ta", "Recompensă de ziua ta"),
        "YEARLY_REWARD": ("Recompensa ta {tier_name} pentru {year}", "Recompensă anuală de nivel"),
        "step.tier": ("{count}X nivelul {tier_name}", "{count}X bonus de nivel"),
        "step.plan": ("{count}X {plan_name}", "{count}X bonus de abonament"),
        "PLAN_PERK": ("Credit {plan_name}", "Credit de abonament"),
        "PLAN_PERK.dividend": ("Dividend {plan_name} pentru {year}", "Dividend anual de abonament"),
        "PLAN_PERK_CLAWBACK": ("Credit de abonament retras: plată rambursată", "Credit de abonament retras"),
        "FORFEIT": "Pierdute: contul a fost șters",
        "PASS_CREDIT": ("{money} credit pe {pass_name}", "Credit de abonament prepay"),
        "PAY_WITH_PASS": ("{pass_credit} plătiți cu {pass_name} (comanda {order}): au rămas {balance}",
                          "{pass_credit} plătiți cu creditul abonamentului (comanda {order})", "Plată cu creditul abonamentului"),
        "PASS_RESTORE": ("{pass_credit} returnați pe {pass_name}: rambursarea {refund} pentru comanda {order}, au rămas {balance}",
                         "{pass_credit} credit de abonament returnat: rambursarea {refund} pentru comanda {order}", "Credit de abonament returnat"),
        "PASS_EXPIRY": ("{money} credit expirat odată cu {pass_name}", "Credit de abonament expirat"),
        "PASS_CANCELED": ("{money} credit anulat: plata pentru {pass_name} a fost rambursată", "Credit de abonament anulat"),
        "VISIT_STAMP": ("Vizită: ștampila {used} din {total} pe {pass_name}, încă {left} până la {reward_name}",
                        "Vizită: ștampila {used} din {total} pe {pass_name}", "Vizită"),
        "VISIT_STAMP.last": ("Vizită: ștampila {used} din {total} pe {pass_name}, cardul este complet", "Vizită"),
        "VISIT_PACK": ("Vizită cu {pass_name}: mai ai {left} din {total} vizite", "Vizită"),
        "VISIT_PACK.last": ("Vizită cu {pass_name}: ultima din cele {total} vizite", "Vizită"),
        "VISIT_TIME": ("Vizită cu {pass_name}, valabil până la {valid_through}", "Vizită cu {pass_name}", "Vizită"),
        "PASS_BOUGHT": ("{pass_name} cumpărat cu {money}: intră în vigoare după plată",
                        "{pass_name} cumpărat: intră în vigoare după plată", "Abonament cumpărat"),
        "PASS_PAID": ("{pass_name} plătit: {total} vizite, valabil până la {valid_through}",
                      "{pass_name} plătit: valabil până la {valid_through}", "{pass_name} plătit: {total} vizite",
                      "{pass_name} plătit", "Abonament plătit"),
        "PASS_COMPLETED": ("{pass_name} este complet: {reward_name} e al tău, cuponul {coupon}",
                           "{pass_name} este complet: {reward_name} e al tău", "{pass_name} este complet",
                           "Card complet"),
        "PASS_USED_UP": ("{pass_name} este epuizat: toate cele {total} vizite folosite", "{pass_name} este epuizat",
                         "Abonament epuizat"),
        "PASS_EXPIRED": ("{pass_name} a expirat cu {left} din {total} vizite nefolosite",
                         "{pass_name} a expirat (valabil până la {valid_through})", "{pass_name} a expirat",
                         "Abonament expirat"),
        "PASS_REFUNDED": ("Plata pentru {pass_name} a fost rambursată: anulat, {used} din {total} vizite folosite",
                          "Plata pentru {pass_name} a fost rambursată: anulat", "Abonament anulat"),
        # 20 and up (and 100, 200, ...) take "de" before the noun: "din 20 de vizite" (`_plural`).
        "VISIT_PACK.many": ("Vizită cu {pass_name}: mai ai {left} din {total} de vizite", "Vizită"),
        "VISIT_PACK.last.many": ("Vizită cu {pass_name}: ultima din cele {total} de vizite", "Vizită"),
        "PASS_PAID.many": ("{pass_name} plătit: {total} de vizite, valabil până la {valid_through}",
                           "{pass_name} plătit: valabil până la {valid_through}", "{pass_name} plătit: {total} de vizite",
                           "{pass_name} plătit", "Abonament plătit"),
        "PASS_USED_UP.many": ("{pass_name} este epuizat: toate cele {total} de vizite folosite",
                              "{pass_name} este epuizat", "Abonament epuizat"),
        "PASS_EXPIRED.many": ("{pass_name} a expirat cu {left} din {total} de vizite nefolosite",
                              "{pass_name} a expirat (valabil până la {valid_through})", "{pass_name} a expirat",
                              "Abonament expirat"),
        "PASS_REFUNDED.many": ("Plata pentru {pass_name} a fost rambursată: anulat, {used} din {total} de vizite "
                               "folosite", "Plata pentru {pass_name} a fost rambursată: anulat", "Abonament anulat"),
        "step.new_member": "{count}X bonus de membru nou",
        "step.bonus_day": "{count}X în ziua ta bonus",
        "step.promotion": "{count}X promoție",
        "step.combined": "{count}X în total",
        "step.promotion_points.one": "{count} punct de promoție",
        "step.promotion_points": "{count} puncte de promoție",
        "step.promotion_points.many": "{count} de puncte de promoție",
    },
}

def describe(code: str, memo: dict[str, Any] | str, amount: int, locale: str | None) -> str:
    """The member-facing description of one wallet history entry, in the member's language."""
    lang = language(locale)
    try:
        values = _values(_memo(memo), amount, lang, locale)
        keys = _keys(str(code), values, amount)
        if (total := _number(values.get("total"))) is not None and _plural(lang, total) == "many":
            keys = [form for key in keys for form in (f"{key}.many", key)]
        text = _first(lang, keys, values)
    except Exception:  # noqa: BLE001 - a description must never break a wallet history
        text = None
    return text or str(TEXTS[lang]["*"])


def _memo(memo: object) -> dict[str, Any]:
    if isinstance(memo, (str, bytes)):
        try:
            memo = json.loads(memo or "{}")
        except ValueError:
            return {}
    return memo if isinstance(memo, dict) else {}


def _keys(code: str, values: dict[str, str], amount: int) -> list[str]:
    """The lookup keys of a code, most specific first."""
    keys = [code]
    if code == "EARN_ACTION" and "action" in values:
        keys.insert(0, f"EARN_ACTION.{values['action']}")
    if code == "EARN_ACTION" and values.get("visit", "").startswith("VISIT_"):  # a visit's points: the visit
        keys[:0] = _keys(values["visit"], values, amount)
    owed = _number(values.get("owed"))
    if code == "SETTLE_DEBT" and owed is not None and owed > amount:
        keys.insert(0, "SETTLE_DEBT.partial")
    if code == "PLAN_PERK" and "year" in values:
        keys.insert(0, "PLAN_PERK.dividend")
    if code == "SHORTFALL" and values.get("asset") == "CREDIT":
        keys.insert(0, "SHORTFALL.CREDIT")
    if code in ("VISIT_STAMP", "VISIT_PACK") and values.get("left") == "0":
        keys.insert(0, f"{code}.last")
    return keys


def _values(memo: dict[str, Any], amount: int, lang: str, locale: str | None) -> dict[str, str]:
    values = {
        str(k): str(v).strip() for k, v in memo.items()
        if isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip()
    }
    values["points"] = str(amount)
    currency = values.get("currency")
    for key, name in (("amount_minor", "money"), ("earning_minor", "earning"), ("pass_credit_minor", "pass_credit"),
                      ("balance_minor", "balance")):
        minor = _number(memo.get(key))
        if minor is not None and currency and minor == minor.to_integral_value():
            values[name] = i18n.money_minor(int(minor), currency, locale)
    if isinstance(through := memo.get("valid_through"), str):
        values["valid_through"] = i18n.date(Date.fromisoformat(through), locale)
    values["why"] = _why(memo.get("reasons"), lang, locale, currency or "", values.get("tier_name", ""),
                         values.get("plan_name", ""))
    return values


def _why(reasons: object, lang: str, locale: str | None, currency: str, tier_name: str = "",
         plan_name: str = "") -> str:
    """": 1 point per EUR, 2x Gold tier" when steps beyond the base one added points, else ""."""
    if not isinstance(reasons, list):
        return ""
    steps = [r for r in reasons if isinstance(r, (list, tuple)) and r and isinstance(r[0], str)]
    if all(r[0] == "base" for r in steps):
        return ""
    parts = [_step(lang, locale, str(r[0]), str(r[2]) if len(r) > 2 else "", currency, tier_name, plan_name)
             for r in steps]
    if (combined := _combined(steps)) is not None:  # right after the last multiplier
        last = max(i for i, r in enumerate(steps) if r[0] in MULTIPLIER_STEPS)
        parts.insert(last + 1, _step(lang, locale, "combined", combined, currency))
    return ": " + ", ".join(parts)


MULTIPLIER_STEPS = frozenset({"tier", "plan", "new_member", "bonus_day", "promotion"})


def _combined(steps: Sequence[Sequence[Any]]) -> str | None:
    """The multiple that two or more multipliers make together ("5" for 2X, 2X and 3X added
    as extras), as the base points and what the multipliers added give it; None otherwise."""
    points = {str(r[0]): Decimal(0) for r in steps}
    for r in steps:
        if len(r) > 1 and (number := _number(r[1])) is not None:
            points[str(r[0])] += number
    base = points.get("base", Decimal(0))
    if base <= 0 or sum(1 for r in steps if r[0] in MULTIPLIER_STEPS) < 2:
        return None
    total = base + sum((p for step, p in points.items() if step in MULTIPLIER_STEPS), Decimal(0))
    return format((total / base).quantize(Decimal("0.01")).normalize(), "f")


def _step(lang: str, locale: str | None, step: str, detail: str, currency: str, tier_name: str = "",
          plan_name: str = "") -> str:
    count = i18n.number(number, locale) if (number := _number(detail)) is not None else ""
    named = {"detail": detail, "count": count, "currency": currency, "tier_name": tier_name, "plan_name": plan_name}
    values = {k: v for k, v in named.items() if v}
    keys = [f"step.{step}.{_plural(lang, number)}", f"step.{step}"] if number is not None else [f"step.{step}"]
    generic = step.replace("_", " ") + (f" ({count or detail})" if detail else "")
    return _first(lang, keys, values) or generic


def _plural(lang: str, n: Decimal) -> str:
    """The plural form of a count: "one", "other", or in Romanian "many" (20 and up take "de")."""
    if n == 1:
        return "one"
    if lang == "ro" and n == n.to_integral_value() and n != 0 and (n % 100 == 0 or n % 100 >= 20):
        return "many"
    return "other"


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _first(lang: str, keys: list[str], values: dict[str, str]) -> str | None:
    """The first template, over the keys in order, whose placeholders all have values."""
    for key in keys:
        found = TEXTS[lang].get(key)
        for template in (found,) if isinstance(found, str) else found or ():
            try:
                return template.format_map(values)
            except (KeyError, IndexError, ValueError, AttributeError):
                continue
    return None

