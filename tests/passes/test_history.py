"""Visits and pass changes in the member's history (Member.activity), in the four languages:
each entry says what happened, names the pass and what it has left."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal


from loyalty import clock
from loyalty.ledger.descriptions import describe
from loyalty.purchases import refunds, service
from loyalty.rewards.models import IssuedReward
from loyalty.wallet import activity_item, activity_page
from tests.passes.helpers import T0, bought, buy, pay, refund, run_job, visit

LANGUAGES = ("en", "nl", "de", "ro")


async def entries(member: int, lang: str = "en") -> list[tuple[str, int, str]]:
    """The member's history, newest first: (kind, points, description in `lang`); the
    welcome points left out."""
    page = await activity_page(member, 100, None)
    return [(item.kind, item.points, describe(item.code, item.memo, item.amount, lang))
            for item in page.items if item.code != "EARN_ACTION" or item.memo.get("action") != "SIGN_UP"]


async def in_languages(member: int, index: int) -> dict[str, tuple[str, int, str]]:
    return {lang: (await entries(member, lang))[index] for lang in LANGUAGES}


async def test_punch_card_stamps_and_the_complete_card(program, ann):
    for n in range(10):  # one day: the first visit earns the VISIT rule's 10 points, the others none
        await visit(program, ann, f"till-{n}", T0 + timedelta(minutes=n), location="harbor-kitchen")
    coupon = (await IssuedReward.get(member_id=ann)).code
    history = await entries(ann)
    assert history == [
        ("PASS", 0, f"Your Harbor coffee card is complete: Free coffee is yours, coupon {coupon}"),
        ("VISIT", 0, "Visit: stamp 10 of 10 on your Harbor coffee card, the card is complete"),
    ] + [("VISIT", 0, f"Visit: stamp {n} of 10 on your Harbor coffee card, {10 - n} more to Free coffee")
         for n in range(9, 1, -1)] + [
        ("VISIT", 10, "Visit: stamp 1 of 10 on your Harbor coffee card, 9 more to Free coffee")]
    assert await in_languages(ann, 8) == {
        "en": ("VISIT", 0, "Visit: stamp 3 of 10 on your Harbor coffee card, 7 more to Free coffee"),
        "nl": ("VISIT", 0, "Bezoek: stempel 3 van 10 op je Harbor coffee card, nog 7 tot Free coffee"),
        "de": ("VISIT", 0, "Besuch: Stempel 3 von 10 auf Harbor coffee card, noch 7 bis Free coffee"),
        "ro": ("VISIT", 0, "Vizită: ștampila 3 din 10 pe Harbor coffee card, încă 7 până la Free coffee"),
    }
    assert await in_languages(ann, 10) == {  # the first visit: its points entry is the stamp's
        "en": ("VISIT", 10, "Visit: stamp 1 of 10 on your Harbor coffee card, 9 more to Free coffee"),
        "nl": ("VISIT", 10, "Bezoek: stempel 1 van 10 op je Harbor coffee card, nog 9 tot Free coffee"),
        "de": ("VISIT", 10, "Besuch: Stempel 1 von 10 auf Harbor coffee card, noch 9 bis Free coffee"),
        "ro": ("VISIT", 10, "Vizită: ștampila 1 din 10 pe Harbor coffee card, încă 9 până la Free coffee"),
    }
    assert await in_languages(ann, 1) == {
        "en": ("VISIT", 0, "Visit: stamp 10 of 10 on your Harbor coffee card, the card is complete"),
        "nl": ("VISIT", 0, "Bezoek: stempel 10 van 10 op je Harbor coffee card, de kaart is vol"),
        "de": ("VISIT", 0, "Besuch: Stempel 10 von 10 auf Harbor coffee card, die Karte ist voll"),
        "ro": ("VISIT", 0, "Vizită: ștampila 10 din 10 pe Harbor coffee card, cardul este complet"),
    }
    assert await in_languages(ann, 0) == {
        "en": ("PASS", 0, f"Your Harbor coffee card is complete: Free coffee is yours, coupon {coupon}"),
        "nl": ("PASS", 0, f"Je Harbor coffee card is vol: Free coffee is voor jou, coupon {coupon}"),
        "de": ("PASS", 0, f"Harbor coffee card ist voll: Free coffee gehört dir, Gutschein {coupon}"),
        "ro": ("PASS", 0, f"Harbor coffee card este complet: Free coffee e al tău, cuponul {coupon}"),
    }


async def test_visit_pack_bought_paid_visited_used_up(program, ann):
    pack = await buy(program, ann, "climbing-5", T0)
    assert await in_languages(ann, 0) == {
        "en": ("PASS", 0, "Climbing 5 + 1 bought for EUR 60.00: it starts when the payment is in"),
        "nl": ("PASS", 0, "Climbing 5 + 1 gekocht voor EUR 60,00: gaat in zodra de betaling binnen is"),
        "de": ("PASS", 0, "Climbing 5 + 1 für 60,00 EUR gekauft: gilt ab Zahlungseingang"),
        "ro": ("PASS", 0, "Climbing 5 + 1 cumpărat cu 60,00 EUR: intră în vigoare după plată"),
    }
    await pay(program, pack.id, "pi-1", T0 + timedelta(hours=1))
    assert await in_languages(ann, 0) == {  # 365 days from the payment (11:00 local): through 2 March 2027
        "en": ("PASS", 0, "Climbing 5 + 1 paid: 6 visits, valid through 2 March 2027"),
        "nl": ("PASS", 0, "Climbing 5 + 1 betaald: 6 bezoeken, geldig t/m 2-3-2027"),
        "de": ("PASS", 0, "Climbing 5 + 1 bezahlt: 6 Besuche, gültig bis 2.3.2027"),
        "ro": ("PASS", 0, "Climbing 5 + 1 plătit: 6 vizite, valabil până la 02.03.2027"),
    }
    for n in range(6):
        await visit(program, ann, f"wall-{n}", T0 + timedelta(hours=2, minutes=n), location="climbing-hall")
    assert await in_languages(ann, 5) == {  # the second visit
        "en": ("VISIT", 0, "Visit with your Climbing 5 + 1: 4 of 6 visits left"),
        "nl": ("VISIT", 0, "Bezoek met je Climbing 5 + 1: nog 4 van 6 bezoeken"),
        "de": ("VISIT", 0, "Besuch mit Climbing 5 + 1: noch 4 von 6 Besuchen"),
        "ro": ("VISIT", 0, "Vizită cu Climbing 5 + 1: mai ai 4 din 6 vizite"),
    }
    assert await in_languages(ann, 1) == {
        "en": ("VISIT", 0, "Visit with your Climbing 5 + 1: the last of its 6 visits"),
        "nl": ("VISIT", 0, "Bezoek met je Climbing 5 + 1: het laatste van 6 bezoeken"),
        "de": ("VISIT", 0, "Besuch mit Climbing 5 + 1: der letzte von 6 Besuchen"),
        "ro": ("VISIT", 0, "Vizită cu Climbing 5 + 1: ultima din cele 6 vizite"),
    }
    assert await in_languages(ann, 0) == {
        "en": ("PASS", 0, "Your Climbing 5 + 1 is used up: all 6 visits taken"),
        "nl": ("PASS", 0, "Je Climbing 5 + 1 is op: alle 6 bezoeken gebruikt"),
        "de": ("PASS", 0, "Climbing 5 + 1 ist aufgebraucht: alle 6 Besuche genutzt"),
        "ro": ("PASS", 0, "Climbing 5 + 1 este epuizat: toate cele 6 vizite folosite"),
    }
    assert [e[:2] for e in await entries(ann)] == [
        ("PASS", 0), ("VISIT", 0), ("VISIT", 0), ("VISIT", 0), ("VISIT", 0), ("VISIT", 0), ("VISIT", 10),
        ("PASS", 0), ("PASS", 0)]


async def test_visit_pack_expired_with_visits_unused_and_a_refunded_one(program, ann):
    pack = await bought(program, ann, "climbing-5", T0, payment_id="pi-1")
    for n in range(2):
        await visit(program, ann, f"wall-{n}", T0 + timedelta(days=n), location="climbing-hall", pass_id=pack.id)
    assert await run_job(T0 + timedelta(days=365)) == 1
    assert await in_languages(ann, 0) == {
        "en": ("PASS", 0, "Your Climbing 5 + 1 expired with 4 of 6 visits unused"),
        "nl": ("PASS", 0, "Je Climbing 5 + 1 is verlopen met 4 van 6 bezoeken ongebruikt"),
        "de": ("PASS", 0, "Climbing 5 + 1 ist abgelaufen, 4 von 6 Besuchen ungenutzt"),
        "ro": ("PASS", 0, "Climbing 5 + 1 a expirat cu 4 din 6 vizite nefolosite"),
    }
    second = await bought(program, ann, "climbing-5", T0 + timedelta(days=366), payment_id="pi-2")
    await visit(program, ann, "wall-9", T0 + timedelta(days=366), location="climbing-hall", pass_id=second.id)
    await refund(program, "pi-2", "re-2", T0 + timedelta(days=367))
    assert await in_languages(ann, 0) == {
        "en": ("PASS", 0, "The payment of your Climbing 5 + 1 was refunded: the pass is canceled, 1 of 6 visits used"),
        "nl": ("PASS", 0, "De betaling van je Climbing 5 + 1 is terugbetaald: de pas is geannuleerd, "
                          "1 van 6 bezoeken gebruikt"),
        "de": ("PASS", 0, "Die Zahlung für Climbing 5 + 1 wurde erstattet: storniert, 1 von 6 Besuchen genutzt"),
        "ro": ("PASS", 0, "Plata pentru Climbing 5 + 1 a fost rambursată: anulat, 1 din 6 vizite folosite"),
    }


async def test_time_pass_visit_and_expiry(program, ann):
    # Paid on 2 March 2026 (local), 6 + 1 months: valid through 1 October 2026.
    half_year = await bought(program, ann, "climbing-6-months", T0, payment_id="pi-t")
    assert (await entries(ann))[0] == ("PASS", 0, "Climbing half year paid: valid through 1 October 2026")
    await visit(program, ann, "wall-1", T0 + timedelta(days=30), location="climbing-hall")
    await visit(program, ann, "wall-2", T0 + timedelta(days=30, hours=1), location="climbing-hall")
    assert await in_languages(ann, 0) == {
        "en": ("VISIT", 0, "Visit with your Climbing half year, valid through 1 October 2026"),
        "nl": ("VISIT", 0, "Bezoek met je Climbing half year, geldig t/m 1-10-2026"),
        "de": ("VISIT", 0, "Besuch mit Climbing half year, gültig bis 1.10.2026"),
        "ro": ("VISIT", 0, "Vizită cu Climbing half year, valabil până la 01.10.2026"),
    }
    assert (await entries(ann))[1] == ("VISIT", 10, "Visit with your Climbing half year, valid through 1 October 2026")
    assert half_year.valid_until is not None
    assert await run_job(half_year.valid_until) == 1
    assert await in_languages(ann, 0) == {
        "en": ("PASS", 0, "Your Climbing half year expired (valid through 1 October 2026)"),
        "nl": ("PASS", 0, "Je Climbing half year is verlopen (geldig t/m 1-10-2026)"),
        "de": ("PASS", 0, "Climbing half year ist abgelaufen (gültig bis 1.10.2026)"),
        "ro": ("PASS", 0, "Climbing half year a expirat (valabil până la 01.10.2026)"),
    }


async def test_credit_pass_spend_and_breakage(program, ann):
    kitchen = await bought(program, ann, "kitchen-credit-100", T0, payment_id="pi-k")
    with clock.frozen_at(T0 + timedelta(days=1)):
        await service.record_purchase(program, service.PurchaseRequest(
            member_id=ann, order_id="HK-1", amount=Decimal("45.00"), currency="EUR", brand="harbor",
            pass_id=kitchen.id, pass_credit_to_spend=Decimal("45.00")))
    assert await in_languages(ann, 0) == {
        "en": ("PASS", 0, "Paid EUR 45.00 with your Harbor Kitchen prepaid (order HK-1): EUR 85.00 left"),
        "nl": ("PASS", 0, "EUR 45,00 betaald met je Harbor Kitchen prepaid (bestelling HK-1): nog EUR 85,00 over"),
        "de": ("PASS", 0, "45,00 EUR mit Harbor Kitchen prepaid bezahlt (Bestellung HK-1): noch 85,00 EUR übrig"),
        "ro": ("PASS", 0, "45,00 EUR plătiți cu Harbor Kitchen prepaid (comanda HK-1): au rămas 85,00 EUR"),
    }
    assert await run_job(T0 + timedelta(days=730)) == 1
    assert await in_languages(ann, 0) == {
        "en": ("PASS", 0, "EUR 85.00 of credit expired with your Harbor Kitchen prepaid"),
        "nl": ("PASS", 0, "EUR 85,00 tegoed verlopen met je Harbor Kitchen prepaid"),
        "de": ("PASS", 0, "85,00 EUR Guthaben mit deinem Harbor Kitchen prepaid verfallen"),
        "ro": ("PASS", 0, "85,00 EUR credit expirat odată cu Harbor Kitchen prepaid"),
    }
    assert [e[2] for e in await entries(ann)] == [
        "EUR 85.00 of credit expired with your Harbor Kitchen prepaid",
        "Paid EUR 45.00 with your Harbor Kitchen prepaid (order HK-1): EUR 85.00 left",
        "EUR 130.00 of credit on your Harbor Kitchen prepaid",
        "Harbor Kitchen prepaid bought for EUR 100.00: it starts when the payment is in",
    ]


async def test_pass_credit_given_back_by_a_refund_says_what_is_left(program, ann):
    kitchen = await bought(program, ann, "kitchen-credit-100", T0, payment_id="pi-k")
    with clock.frozen_at(T0 + timedelta(days=1)):
        await service.record_purchase(program, service.PurchaseRequest(
            member_id=ann, order_id="HK-1", amount=Decimal("45.00"), currency="EUR", brand="harbor",
            pass_id=kitchen.id, pass_credit_to_spend=Decimal("45.00")))
    with clock.frozen_at(T0 + timedelta(days=2)):
        await refunds.refund_purchase(program, refunds.RefundRequest("HK-1", "R-1", Decimal("20.00")))
    assert await in_languages(ann, 0) == {
        "en": ("REFUND", 0, "EUR 20.00 returned to your Harbor Kitchen prepaid: refund R-1 of order HK-1, EUR 105.00 left"),
        "nl": ("REFUND", 0, "EUR 20,00 teruggezet op je Harbor Kitchen prepaid: terugbetaling R-1 van bestelling HK-1, "
                            "nog EUR 105,00 over"),
        "de": ("REFUND", 0, "20,00 EUR zurück auf Harbor Kitchen prepaid: Erstattung R-1 zu Bestellung HK-1, "
                            "noch 105,00 EUR übrig"),
        "ro": ("REFUND", 0, "20,00 EUR returnați pe Harbor Kitchen prepaid: rambursarea R-1 pentru comanda HK-1, "
                            "au rămas 105,00 EUR"),
    }


async def test_a_credit_pass_that_expires_empty_says_so(program, ann):
    kitchen = await bought(program, ann, "kitchen-credit-100", T0, payment_id="pi-k")
    with clock.frozen_at(T0 + timedelta(days=1)):
        await service.record_purchase(program, service.PurchaseRequest(
            member_id=ann, order_id="HK-1", amount=Decimal("130.00"), currency="EUR", brand="harbor",
            pass_id=kitchen.id, pass_credit_to_spend=Decimal("130.00")))
    assert await run_job(T0 + timedelta(days=730)) == 1
    assert (await entries(ann))[0] == ("PASS", 0, "Your Harbor Kitchen prepaid expired (valid through 1 March 2028)")


async def test_history_pages_through_visits_and_transfers_in_one_order(program, ann):
    pack = await bought(program, ann, "climbing-5", T0, payment_id="pi-1")
    for n in range(4):
        await visit(program, ann, f"wall-{n}", T0 + timedelta(days=n // 2, minutes=n), location="climbing-hall",
                    pass_id=pack.id)
    whole = (await activity_page(ann, 100, None)).items
    seen, after = [], None
    while True:
        page = await activity_page(ann, 2, after)
        seen += page.items
        if not page.has_next:
            break
        after = page.keys[-1]
    assert [item.key for item in seen] == [item.key for item in whole]
    assert [await activity_item(item.key) for item in whole] == whole  # each entry found by its own key
    assert await activity_item("h0") is None and await activity_item("hx") is None
    assert [(item.kind, item.points) for item in whole] == [
        ("VISIT", 0), ("VISIT", 10), ("VISIT", 0), ("VISIT", 10), ("PASS", 0), ("PASS", 0)]
