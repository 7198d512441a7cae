from __future__ import annotations

import json

import pytest

from loyalty.ledger.codes import TransferCode
from loyalty.ledger.descriptions import TEXTS, describe, language
from loyalty.program.spec import ActionKind

ORDER = {"order": "O-1", "amount_minor": 10000, "currency": "EUR"}
REFUND = {"order": "O-1", "refund": "R-1", "amount_minor": 2550, "currency": "EUR"}
MEMOS = {
    TransferCode.EARN_PURCHASE: {**ORDER, "reasons": [["base", "100", "1"]]},
    TransferCode.EARN_ACTION: {"action": "PRODUCT_REVIEW"},
    TransferCode.BONUS: {},
    TransferCode.PAY_WITH_POINTS: ORDER,
    TransferCode.CLAWBACK: REFUND,
    TransferCode.RESTORE: REFUND,
    TransferCode.SHORTFALL: REFUND,
    TransferCode.SETTLE_DEBT: {"owed": 40},
    TransferCode.EXPIRY: "{}",
    TransferCode.ADJUSTMENT: {},
    TransferCode.REDEEM_REWARD: {"reward": "five-off", "reward_name": "EUR 5 off"},
    TransferCode.REWARD_CREDIT: {"reward": "credit", "reward_name": "EUR 10 credit"},
    TransferCode.REWARD_CANCELED: {"reward": "five-off", "reward_name": "EUR 5 off"},
    TransferCode.DONATION: {"charity": "wildlife", "charity_name": "Wildlife Trust"},
    TransferCode.PROGRAM_DONATION: {"charity": "wildlife", "charity_name": "Wildlife Trust"},
    TransferCode.REFERRAL: {},
    TransferCode.CASHBACK: {**ORDER, "percent": "5"},
    TransferCode.CASHBACK_CLAWBACK: REFUND,
    TransferCode.PAY_WITH_CREDIT: ORDER,
    TransferCode.CREDIT_RESTORE: REFUND,
    TransferCode.BIRTHDAY_REWARD: {"tier": "gold", "tier_name": "Gold", "year": 2026},
    TransferCode.YEARLY_REWARD: {"tier": "gold", "tier_name": "Gold", "year": 2026},
    TransferCode.PLAN_PERK: {"plan": "plus-monthly", "plan_name": "Northwind Plus"},
    TransferCode.PLAN_PERK_CLAWBACK: {"plan": "plus-monthly", "refund": "re-1"},
    TransferCode.FORFEIT: {"erasure": 1},
    TransferCode.PASS_CREDIT: {"pass_name": "Harbor Kitchen prepaid", "amount_minor": 13000, "currency": "EUR"},
    TransferCode.PAY_WITH_PASS: {"order": "O-1", "amount_minor": 10000, "currency": "EUR", "pass_credit_minor": 4500},
    TransferCode.PASS_RESTORE: {"order": "O-1", "refund": "R-1", "currency": "EUR", "pass_credit_minor": 2000},
    TransferCode.PASS_EXPIRY: {"pass_name": "Harbor Kitchen prepaid", "amount_minor": 10500, "currency": "EUR"},
    TransferCode.PASS_CANCELED: {"pass_name": "Harbor Kitchen prepaid", "amount_minor": 10500, "currency": "EUR"},
}
LANGUAGES = ("en", "nl", "de", "ro")

EXPECTED = {
    TransferCode.EARN_PURCHASE: {
        "en": "Purchase of EUR 100.00 (order O-1)",
        "nl": "Aankoop van EUR 100,00 (bestelling O-1)",
        "de": "Einkauf über 100,00 EUR (Bestellung O-1)",
        "ro": "Achiziție de 100,00 EUR (comanda O-1)",
    },
    TransferCode.EARN_ACTION: {
        "en": "Product review", "nl": "Productreview", "de": "Produktbewertung", "ro": "Recenzie de produs",
    },
    TransferCode.BONUS: {"en": "Bonus points", "nl": "Bonuspunten", "de": "Bonuspunkte", "ro": "Puncte bonus"},
    TransferCode.PAY_WITH_POINTS: {
        "en": "Paid with points (order O-1)",
        "nl": "Betaald met punten (bestelling O-1)",
        "de": "Mit Punkten bezahlt (Bestellung O-1)",
        "ro": "Plată cu puncte (comanda O-1)",
    },
    TransferCode.CLAWBACK: {
        "en": "Points taken back: refund R-1 of order O-1",
        "nl": "Punten teruggenomen: terugbetaling R-1 van bestelling O-1",
        "de": "Punkte abgezogen: Erstattung R-1 zu Bestellung O-1",
        "ro": "Puncte retrase: rambursarea R-1 pentru comanda O-1",
    },
    TransferCode.RESTORE: {
        "en": "Points returned: refund R-1 of order O-1",
        "nl": "Punten teruggegeven: terugbetaling R-1 van bestelling O-1",
        "de": "Punkte wieder gutgeschrieben: Erstattung R-1 zu Bestellung O-1",
        "ro": "Puncte returnate: rambursarea R-1 pentru comanda O-1",
    },
    TransferCode.SHORTFALL: {
        "en": "Points owed after refund R-1 of order O-1",
        "nl": "Openstaande punten na terugbetaling R-1 van bestelling O-1",
        "de": "Offene Punkte nach Erstattung R-1 zu Bestellung O-1",
        "ro": "Puncte datorate după rambursarea R-1 pentru comanda O-1",
    },
    TransferCode.SETTLE_DEBT: {
        "en": "Points owed, settled",
        "nl": "Openstaande punten verrekend",
        "de": "Offene Punkte ausgeglichen",
        "ro": "Puncte datorate, achitate",
    },
    TransferCode.EXPIRY: {
        "en": "Points expired", "nl": "Punten verlopen", "de": "Punkte verfallen", "ro": "Puncte expirate",
    },
    TransferCode.ADJUSTMENT: {"en": "Adjustment", "nl": "Correctie", "de": "Korrektur", "ro": "Ajustare"},
    TransferCode.REDEEM_REWARD: {
        "en": "Reward: EUR 5 off", "nl": "Beloning: EUR 5 off", "de": "Prämie: EUR 5 off", "ro": "Recompensă: EUR 5 off",
    },
    TransferCode.REWARD_CREDIT: {
        "en": "Store credit reward: EUR 10 credit", "nl": "Tegoed als beloning: EUR 10 credit",
        "de": "Guthaben als Prämie: EUR 10 credit", "ro": "Credit ca recompensă: EUR 10 credit",
    },
    TransferCode.REWARD_CANCELED: {
        "en": "Reward canceled, points returned: EUR 5 off",
        "nl": "Beloning geannuleerd, punten teruggegeven: EUR 5 off",
        "de": "Prämie storniert, Punkte zurück: EUR 5 off",
        "ro": "Recompensă anulată, puncte returnate: EUR 5 off",
    },
    TransferCode.DONATION: {
        "en": "Donation to Wildlife Trust", "nl": "Donatie aan Wildlife Trust",
        "de": "Spende an Wildlife Trust", "ro": "Donație pentru Wildlife Trust",
    },
    TransferCode.PROGRAM_DONATION: {
        "en": "Donated by the program to Wildlife Trust for you", "nl": "Namens jou gedoneerd aan Wildlife Trust",
        "de": "Für dich gespendet an Wildlife Trust", "ro": "Donat în numele tău pentru Wildlife Trust",
    },
    TransferCode.REFERRAL: {
        "en": "Points for referring a friend", "nl": "Punten voor het aanbrengen van een vriend",
        "de": "Punkte für eine Freundschaftsempfehlung", "ro": "Puncte pentru recomandarea unui prieten",
    },
    TransferCode.CASHBACK: {
        "en": "Cashback of 5% on order O-1",
        "nl": "Cashback van 5% op bestelling O-1",
        "de": "Cashback von 5% auf Bestellung O-1",
        "ro": "Cashback de 5% pentru comanda O-1",
    },
    TransferCode.CASHBACK_CLAWBACK: {
        "en": "Cashback taken back: refund R-1 of order O-1",
        "nl": "Cashback teruggenomen: terugbetaling R-1 van bestelling O-1",
        "de": "Cashback abgezogen: Erstattung R-1 zu Bestellung O-1",
        "ro": "Cashback retras: rambursarea R-1 pentru comanda O-1",
    },
    TransferCode.PAY_WITH_CREDIT: {
        "en": "Paid with store credit (order O-1)",
        "nl": "Betaald met tegoed (bestelling O-1)",
        "de": "Mit Guthaben bezahlt (Bestellung O-1)",
        "ro": "Plată cu credit (comanda O-1)",
    },
    TransferCode.CREDIT_RESTORE: {
        "en": "Store credit returned: refund R-1 of order O-1",
        "nl": "Tegoed teruggegeven: terugbetaling R-1 van bestelling O-1",
        "de": "Guthaben wieder gutgeschrieben: Erstattung R-1 zu Bestellung O-1",
        "ro": "Credit returnat: rambursarea R-1 pentru comanda O-1",
    },
    TransferCode.BIRTHDAY_REWARD: {
        "en": "Happy birthday: your Gold birthday reward",
        "nl": "Gefeliciteerd: je Gold-verjaardagscadeau",
        "de": "Alles Gute zum Geburtstag: deine Gold-Geburtstagsprämie",
        "ro": "La mulți ani: recompensa ta Gold de ziua ta",
    },
    TransferCode.YEARLY_REWARD: {
        "en": "Your Gold reward for 2026",
        "nl": "Je Gold-beloning voor 2026",
        "de": "Deine Gold-Prämie für 2026",
        "ro": "Recompensa ta Gold pentru 2026",
    },
    TransferCode.PLAN_PERK: {
        "en": "Northwind Plus store credit",
        "nl": "Tegoed van Northwind Plus",
        "de": "Guthaben von Northwind Plus",
        "ro": "Credit Northwind Plus",
    },
    TransferCode.PLAN_PERK_CLAWBACK: {
        "en": "Plan credit taken back: payment refunded",
        "nl": "Abonnementstegoed teruggenomen: betaling terugbetaald",
        "de": "Mitgliedschaftsguthaben zurückgenommen: Zahlung erstattet",
        "ro": "Credit de abonament retras: plată rambursată",
    },
    TransferCode.FORFEIT: {
        "en": "Forfeited: the account was erased",
        "nl": "Vervallen: het account is gewist",
        "de": "Verfallen: das Konto wurde gelöscht",
        "ro": "Pierdute: contul a fost șters",
    },
    TransferCode.PASS_CREDIT: {
        "en": "EUR 130.00 of credit on your Harbor Kitchen prepaid",
        "nl": "EUR 130,00 tegoed op je Harbor Kitchen prepaid",
        "de": "130,00 EUR Guthaben auf deinem Harbor Kitchen prepaid",
        "ro": "130,00 EUR credit pe Harbor Kitchen prepaid",
    },
    TransferCode.PAY_WITH_PASS: {
        "en": "Paid EUR 45.00 with pass credit (order O-1)",
        "nl": "EUR 45,00 betaald met pastegoed (bestelling O-1)",
        "de": "45,00 EUR mit Passguthaben bezahlt (Bestellung O-1)",
        "ro": "45,00 EUR plătiți cu creditul abonamentului (comanda O-1)",
    },
    TransferCode.PASS_RESTORE: {
        "en": "EUR 20.00 of pass credit returned: refund R-1 of order O-1",
        "nl": "EUR 20,00 pastegoed teruggegeven: terugbetaling R-1 van bestelling O-1",
        "de": "20,00 EUR Passguthaben zurückgebucht: Erstattung R-1 zu Bestellung O-1",
        "ro": "20,00 EUR credit de abonament returnat: rambursarea R-1 pentru comanda O-1",
    },
    TransferCode.PASS_EXPIRY: {
        "en": "EUR 105.00 of credit expired with your Harbor Kitchen prepaid",
        "nl": "EUR 105,00 tegoed verlopen met je Harbor Kitchen prepaid",
        "de": "105,00 EUR Guthaben mit deinem Harbor Kitchen prepaid verfallen",
        "ro": "105,00 EUR credit expirat odată cu Harbor Kitchen prepaid",
    },
    TransferCode.PASS_CANCELED: {
        "en": "EUR 105.00 of credit canceled: the payment of your Harbor Kitchen prepaid was refunded",
        "nl": "EUR 105,00 tegoed geannuleerd: de betaling van je Harbor Kitchen prepaid is terugbetaald",
        "de": "105,00 EUR Guthaben storniert: die Zahlung für dein Harbor Kitchen prepaid wurde erstattet",
        "ro": "105,00 EUR credit anulat: plata pentru Harbor Kitchen prepaid a fost rambursată",
    },
}


def test_store_credit_owed_after_a_refund_says_so_in_every_language():
    memo = {**REFUND, "asset": "CREDIT"}
    assert [describe("SHORTFALL", memo, 400, lang) for lang in LANGUAGES] == [
        "Store credit owed after refund R-1 of order O-1",
        "Openstaand tegoed na terugbetaling R-1 van bestelling O-1",
        "Offenes Guthaben nach Erstattung R-1 zu Bestellung O-1",
        "Credit datorat după rambursarea R-1 pentru comanda O-1",
    ]


def test_every_code_is_covered_by_the_tests():
    assert set(MEMOS) == set(EXPECTED) == set(TransferCode)


@pytest.mark.parametrize("code", list(TransferCode))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_in_every_language(code: TransferCode, lang: str):
    text = describe(code, MEMOS[code], 40, lang)
    assert text == EXPECTED[code][lang]
    if lang != "en":
        assert text != describe(code, MEMOS[code], 40, "en")


def test_every_code_has_its_own_text_in_every_language():
    for lang in LANGUAGES:
        for code in TransferCode:
            assert code.value in TEXTS[lang], (lang, code)
            assert describe(code, {}, 1, lang) != TEXTS[lang]["*"], (lang, code)


def test_every_language_has_the_same_keys_as_english():
    for lang in LANGUAGES:
        many = {key for key in TEXTS[lang] if key.endswith(".many") and key.removesuffix(".many") in TEXTS[lang]}
        assert set(TEXTS[lang]) - many == set(TEXTS["en"]), lang


def test_every_template_of_a_key_uses_the_same_placeholders_in_every_language():
    import string

    def fields(templates: str | tuple[str, ...]) -> list[set[str]]:
        return [{f for _, f, _, _ in string.Formatter().parse(t) if f}
                for t in ((templates,) if isinstance(templates, str) else templates)]

    for key, templates in TEXTS["en"].items():
        for lang in LANGUAGES:
            assert fields(TEXTS[lang][key]) == fields(templates), (lang, key)
            if f"{key}.many" in TEXTS[lang]:
                assert fields(TEXTS[lang][f"{key}.many"]) == fields(templates), (lang, f"{key}.many")


def test_romanian_uses_comma_below_diacritics():
    texts = json.dumps(TEXTS["ro"], ensure_ascii=False)
    assert not set("şţŞŢ") & set(texts)
    assert set("ăț") <= set(texts.lower())


ACTIONS = {
    ActionKind.SIGN_UP: ("Welcome points", "Welkomstpunten", "Willkommenspunkte", "Puncte de bun venit"),
    ActionKind.NEWSLETTER_SIGNUP: (
        "Newsletter sign-up", "Aanmelding nieuwsbrief", "Newsletter-Anmeldung", "Abonare la newsletter",
    ),
    ActionKind.PRODUCT_REVIEW: ("Product review", "Productreview", "Produktbewertung", "Recenzie de produs"),
    ActionKind.SOCIAL_FOLLOW: (
        "Social follow", "Volgen op sociale media", "Folgen in sozialen Medien", "Urmărire pe rețelele sociale",
    ),
    ActionKind.SOCIAL_SHARE: (
        "Social share", "Delen op sociale media", "Teilen in sozialen Medien", "Distribuire pe rețelele sociale",
    ),
    ActionKind.BIRTHDAY: ("Birthday points", "Verjaardagspunten", "Geburtstagspunkte", "Puncte de ziua ta"),
    ActionKind.FITNESS_ACTIVITY: (
        "Fitness activity", "Sportactiviteit", "Fitnessaktivität", "Activitate sportivă",
    ),
    ActionKind.SURVEY_COMPLETED: (
        "Survey completed", "Enquête ingevuld", "Umfrage ausgefüllt", "Chestionar completat",
    ),
    ActionKind.VISIT: ("Visit", "Bezoek", "Besuch", "Vizită"),
}


@pytest.mark.parametrize("action", list(ActionKind))
def test_every_action_in_every_language(action: ActionKind):
    texts = tuple(describe("EARN_ACTION", {"action": action.value}, 10, lang) for lang in LANGUAGES)
    assert texts == ACTIONS[action]


def test_an_unknown_action_is_points_for_an_activity():
    assert describe("EARN_ACTION", {"action": "TREE_PLANTING"}, 10, "en") == "Points for an activity"
    assert describe("EARN_ACTION", {}, 10, "de") == "Punkte für eine Aktivität"
    assert describe("EARN_ACTION", {"action": None}, 10, "ro") == "Puncte pentru o activitate"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr-FR", "en"), ("NL-nl", "nl"), ("", "en"), ("nl", "nl"), ("de-AT", "de"), ("ro-RO", "ro"),
        ("en-GB", "en"), ("de_CH", "de"), ("Ro", "ro"), ("x-klingon", "en"), ("-nl", "en"), (None, "en"),
    ],
)
def test_locale_fallback(locale: str, expected: str):
    assert language(locale) == expected
    assert describe("EXPIRY", {}, 5, locale) == EXPECTED[TransferCode.EXPIRY][expected]


@pytest.mark.parametrize(
    ("locale", "minor", "currency", "money"),
    [
        ("en-GB", 1250, "EUR", "EUR 12.50"),
        ("nl-NL", 1250, "EUR", "EUR 12,50"),
        ("de-DE", 1250, "EUR", "12,50 EUR"),
        ("ro-RO", 1250, "RON", "12,50 RON"),
        ("en", 5, "EUR", "EUR 0.05"),
        ("nl", 123456789, "EUR", "EUR 1.234.567,89"),
        ("en", 1500, "JPY", "JPY 1,500"),
        ("de", 1500, "BHD", "1,500 BHD"),
        ("en", "1250", "EUR", "EUR 12.50"),
        ("en", 0, "EUR", "EUR 0.00"),
    ],
)
def test_money_formatting(locale: str, minor: int, currency: str, money: str):
    memo = {"order": "O-9", "amount_minor": minor, "currency": currency}
    text = describe("EARN_PURCHASE", memo, 1, locale)
    assert money in text
    assert text.endswith(" O-9)")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unknown_code_gives_the_generic_text(lang: str):
    text = describe("REWARD_REDEEMED", {"reward": "Coffee"}, 100, lang)
    assert text == TEXTS[lang]["*"]
    assert text == {"en": "Points activity", "nl": "Puntenmutatie", "de": "Punktebewegung",
                    "ro": "Tranzacție cu puncte"}[lang]


@pytest.mark.parametrize(
    ("code", "memo", "expected"),
    [
        ("EARN_PURCHASE", {}, "Purchase"),
        ("EARN_PURCHASE", {"order": "O-1"}, "Purchase (order O-1)"),
        ("EARN_PURCHASE", {"order": "O-1", "amount_minor": 100}, "Purchase (order O-1)"),
        ("EARN_PURCHASE", {"amount_minor": 100, "currency": "EUR"}, "Purchase of EUR 1.00"),
        ("EARN_PURCHASE", {**ORDER, "amount_minor": "lots"}, "Purchase (order O-1)"),
        ("EARN_PURCHASE", {**ORDER, "reasons": "nonsense"}, "Purchase of EUR 100.00 (order O-1)"),
        ("EARN_PURCHASE", {**ORDER, "reasons": [[], 3, None]}, "Purchase of EUR 100.00 (order O-1)"),
        ("PAY_WITH_POINTS", {}, "Paid with points"),
        ("PAY_WITH_POINTS", {"order": ""}, "Paid with points"),
        ("CLAWBACK", {"order": "O-1"}, "Points taken back after a refund"),
        ("RESTORE", {"refund": "R-1"}, "Points returned after a refund"),
        ("SHORTFALL", {"order": None, "refund": "R-1"}, "Points owed after a refund"),
        ("SETTLE_DEBT", {}, "Points owed, settled"),
        ("SETTLE_DEBT", {"owed": "many"}, "Points owed, settled"),
        ("EXPIRY", {"unexpected": [1, 2]}, "Points expired"),
        ("BONUS", {"reason": None}, "Bonus points"),
        ("BONUS", {"reason": "  "}, "Bonus points"),
        ("ADJUSTMENT", {"reason": {"nested": True}}, "Adjustment"),
    ],
)
def test_missing_or_odd_memo_keys_give_a_shorter_text(code: str, memo: dict, expected: str):
    assert describe(code, memo, 10, "en-GB") == expected


@pytest.mark.parametrize("memo", ["", "not json", "[1, 2]", "null", "42", None, 7, ["order"]])
def test_an_unreadable_memo_never_raises(memo: object):
    assert describe("PAY_WITH_POINTS", memo, 10, "nl") == "Betaald met punten"  # type: ignore[arg-type]
    assert describe("NO_SUCH_CODE", memo, 10, "de") == "Punktebewegung"  # type: ignore[arg-type]


def test_memo_given_as_a_json_string():
    memo = json.dumps(REFUND)
    assert describe("CLAWBACK", memo, 25, "en") == "Points taken back: refund R-1 of order O-1"
    assert describe("RESTORE", memo, 25, "ro-RO") == "Puncte returnate: rambursarea R-1 pentru comanda O-1"
    assert describe("EXPIRY", "{}", 25, "de") == "Punkte verfallen"
    assert describe("EARN_PURCHASE", json.dumps(MEMOS[TransferCode.EARN_PURCHASE]).encode(), 100, "nl") == (
        "Aankoop van EUR 100,00 (bestelling O-1)"
    )


def test_code_as_enum_or_plain_string():
    assert describe(TransferCode.EXPIRY, {}, 1, "nl") == describe("EXPIRY", {}, 1, "nl") == "Punten verlopen"


def test_reason_is_shown_for_bonus_and_adjustment():
    assert describe("BONUS", {"reason": "Black Friday"}, 50, "en") == "Bonus points: Black Friday"
    assert describe("ADJUSTMENT", {"reason": "Kassafout"}, 50, "nl") == "Correctie: Kassafout"
    assert describe("ADJUSTMENT", {"reason": "Fehler"}, 50, "de") == "Korrektur: Fehler"
    assert describe("BONUS", {"reason": "Paște"}, 50, "ro") == "Puncte bonus: Paște"


def test_a_partly_settled_debt():
    assert describe("SETTLE_DEBT", {"owed": 40}, 40, "en") == "Points owed, settled"
    assert describe("SETTLE_DEBT", {"owed": 40}, 15, "en") == "Points owed, partly settled"
    assert describe("SETTLE_DEBT", {"owed": 40}, 15, "de") == "Offene Punkte teilweise ausgeglichen"


def _purchase(reasons: list, lang: str, currency: str = "EUR") -> str:
    memo = {"order": "O-1", "amount_minor": 10000, "currency": currency, "reasons": reasons}
    return describe("EARN_PURCHASE", memo, 200, lang)


def test_only_the_base_step_adds_no_explanation():
    assert _purchase([["base", "100", "1"]], "en") == "Purchase of EUR 100.00 (order O-1)"
    assert _purchase([], "en") == "Purchase of EUR 100.00 (order O-1)"


def test_further_steps_explain_the_points():
    reasons = [["base", "100", "1"], ["tier_multiplier", "100", "2x Gold"]]
    assert _purchase(reasons, "en") == "Purchase of EUR 100.00 (order O-1): 1 point per EUR, tier multiplier (2x Gold)"
    assert _purchase(reasons, "nl") == (
        "Aankoop van EUR 100,00 (bestelling O-1): 1 punt per EUR, tier multiplier (2x Gold)"
    )
    assert _purchase(reasons, "de") == (
        "Einkauf über 100,00 EUR (Bestellung O-1): 1 Punkt pro EUR, tier multiplier (2x Gold)"
    )
    assert _purchase([["base", "150", "1.5"], ["promo", "10"]], "ro") == (
        "Achiziție de 100,00 EUR (comanda O-1): 1,5 puncte la fiecare EUR, promo"
    )


@pytest.mark.parametrize(
    ("detail", "lang", "text"),
    [
        ("2", "en", "2 points per EUR"), ("0.5", "en", "0.5 points per EUR"), ("1", "nl", "1 punt per EUR"),
        ("2.5", "nl", "2,5 punten per EUR"), ("1", "de", "1 Punkt pro EUR"), ("10", "de", "10 Punkte pro EUR"),
        ("1", "ro", "1 punct la fiecare EUR"), ("2", "ro", "2 puncte la fiecare EUR"),
        ("19", "ro", "19 puncte la fiecare EUR"), ("20", "ro", "20 de puncte la fiecare EUR"),
        ("100", "ro", "100 de puncte la fiecare EUR"), ("101", "ro", "101 puncte la fiecare EUR"),
    ],
)
def test_the_base_step_in_words(detail: str, lang: str, text: str):
    assert _purchase([["base", "1", detail], ["extra", "1", "x"]], lang).endswith(f": {text}, extra (x)")


def test_a_base_step_without_a_currency_or_number_is_rendered_generically():
    memo = {"order": "O-1", "reasons": [["base", "1", "1"], ["extra", "1", ""]]}
    assert describe("EARN_PURCHASE", memo, 1, "en") == "Purchase (order O-1)"
    memo = {"order": "O-1", "amount_minor": 100, "currency": "EUR", "reasons": [["base", "1", "n/a"], ["extra"]]}
    assert describe("EARN_PURCHASE", memo, 1, "en") == "Purchase of EUR 1.00 (order O-1): base (n/a), extra"


def test_romanian_counts_of_twenty_and_up_take_de_before_the_noun():
    pack = {"pass_name": "Sala 25", "left": "4", "total": "25"}
    assert describe("VISIT_PACK", pack, 0, "ro") == "Vizită cu Sala 25: mai ai 4 din 25 de vizite"
    assert describe("VISIT_PACK", {**pack, "total": "19"}, 0, "ro") == "Vizită cu Sala 25: mai ai 4 din 19 vizite"
    assert describe("VISIT_PACK", {**pack, "total": "101"}, 0, "ro") == "Vizită cu Sala 25: mai ai 4 din 101 vizite"
    assert describe("VISIT_PACK", {**pack, "total": "200"}, 0, "ro") == "Vizită cu Sala 25: mai ai 4 din 200 de vizite"
    assert describe("VISIT_PACK", {**pack, "left": "0"}, 0, "ro") == "Vizită cu Sala 25: ultima din cele 25 de vizite"
    assert describe("VISIT_PACK", pack, 0, "en") == "Visit with your Sala 25: 4 of 25 visits left"
