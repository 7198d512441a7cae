import tomllib
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# The statements of recordPurchase's lean path (loyalty.purchases.fast), PostgreSQL only: one
# reads the facts a purchase is decided from, the other applies the decision in one round trip.
FACTS = """
CREATE OR REPLACE FUNCTION loyalty_purchase_facts(p_member bigint, p_from date, p_to date) RETURNS jsonb
LANGUAGE sql STABLE AS $fn$
SELECT jsonb_build_object(
  'member', (SELECT jsonb_build_object('joined_at', m.joined_at) FROM members m WHERE m.id = p_member),
  'accounts', (SELECT jsonb_object_agg(a.asset, jsonb_build_array(a.id, a.posted, a.pending_in))
               FROM ledger_accounts a WHERE a.member_id = p_member AND a.kind = 'member'),
  'tier', (SELECT jsonb_build_object('level', t.level, 'valid_until', t.valid_until,
                  'baseline_level', t.baseline_level, 'baseline_valid_until', t.baseline_valid_until,
                  'baseline_until', t.baseline_until, 'override_level', t.override_level,
                  'override_until', t.override_until, 'updated_at', t.updated_at)
           FROM tier_states t WHERE t.member_id = p_member),
  'totals', (SELECT jsonb_build_array(COALESCE(SUM(x.spend_minor), 0), COALESCE(SUM(x.purchases), 0),
                    COALESCE(SUM(x.points), 0))
             FROM tier_totals x WHERE x.member_id = p_member AND x.day >= p_from AND x.day < p_to),
  'plan', (SELECT jsonb_build_object('plan_code', s.plan_code, 'status', s.status, 'period_start', s.period_start,
                  'current_period_end', s.current_period_end)
           FROM memberships s WHERE s.live_member_id = p_member),
  'bonus_days', (SELECT COALESCE(jsonb_agg(jsonb_build_array(b.period_start, b.day) ORDER BY b.period_start), '[]')
                 FROM bonus_days b WHERE b.member_id = p_member AND b.period_start >= p_from - 400)
)
$fn$
"""

RECORD = """
CREATE OR REPLACE FUNCTION loyalty_record_purchase(p jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  v_member bigint := (p->>'member_id')::bigint;
  v_now timestamptz := (p->>'now')::timestamptz;
  v_purchase bigint := nextval(pg_get_serial_sequence('purchases', 'id'));
  v_earn bigint;
  v_cashback bigint;
BEGIN
  -- The member's accounts, points first: every member operation takes this lock first.
  PERFORM 1 FROM ledger_accounts WHERE id IN (SELECT (jsonb_array_elements_text(p->'lock'))::bigint)
    ORDER BY (asset <> 'POINTS'), id FOR NO KEY UPDATE;
  -- Decided from facts read before the lock: refused when they changed since.
  IF loyalty_purchase_facts(v_member, (p->>'from')::date, (p->>'to')::date) IS DISTINCT FROM p->'facts' THEN
    RETURN jsonb_build_object('status', 'stale');
  END IF;
  IF p ? 'earn' THEN v_earn := nextval(pg_get_serial_sequence('ledger_transfers', 'id')); END IF;
  IF p ? 'cashback' THEN v_cashback := nextval(pg_get_serial_sequence('ledger_transfers', 'id')); END IF;
  -- The order id is the idempotency key: a repeat finds the row and writes nothing.
  INSERT INTO purchases (id, order_id, member_id, amount_minor, currency, brand, items, occurred_at, request_hash,
    refunded_minor, points_awarded, points_spent, points_clawed_back, points_restored, cashback_minor,
    earn_transfer_id, spend_transfer_id, credit_spent_minor, cashback_clawed_back_minor, credit_restored_minor,
    cashback_transfer_id, credit_spend_transfer_id, created_at)
  VALUES (v_purchase, p->>'order_id', v_member, (p->>'amount_minor')::bigint, p->>'currency', p->>'brand',
    p->'items', (p->>'occurred_at')::timestamptz, p->>'request_hash', 0,
    COALESCE((p->'earn'->>'amount')::bigint, 0), 0, 0, 0, COALESCE((p->'cashback'->>'amount')::bigint, 0),
    v_earn, NULL, 0, 0, 0, v_cashback, NULL, v_now)
  ON CONFLICT (order_id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('status', 'duplicate');
  END IF;
  INSERT INTO ledger_transfers (id, asset, debit_account_id, credit_account_id, amount, code, status, idempotency_key,
    reference, reverses_id, member_id, purchase_id, memo, occurred_at, available_at, lot_expires_at, created_at,
    posted_at, voided_at, batch_id)
  SELECT t.id, t.x->>'asset', (t.x->>'debit')::bigint, (t.x->>'credit')::bigint, (t.x->>'amount')::bigint,
    t.x->>'code', 'pending', t.x->>'key', p->>'order_id', NULL, v_member, v_purchase, t.x->'memo',
    (p->>'occurred_at')::timestamptz, (t.x->>'available_at')::timestamptz, (t.x->>'lot_expires_at')::timestamptz,
    v_now, NULL, NULL, NULL
  FROM (VALUES (v_earn, p->'earn'), (v_cashback, p->'cashback')) AS t(id, x) WHERE t.id IS NOT NULL;
  -- Member accounts first (locked above), then the program's sub-accounts, in id order. NO KEY
  -- UPDATE, as an UPDATE takes: the transfers' foreign keys hold KEY SHARE locks on these rows,
  -- which a FOR UPDATE of another purchase would wait on while holding its own (a deadlock).
  PERFORM 1 FROM ledger_accounts WHERE id IN (SELECT (t.x->>'debit')::bigint
    FROM (VALUES (p->'earn'), (p->'cashback')) AS t(x) WHERE t.x IS NOT NULL) ORDER BY id FOR NO KEY UPDATE;
  UPDATE ledger_accounts a SET pending_in = a.pending_in + c.amount
  FROM (SELECT (t.x->>'credit')::bigint AS id, SUM((t.x->>'amount')::bigint) AS amount
        FROM (VALUES (p->'earn'), (p->'cashback')) AS t(x) WHERE t.x IS NOT NULL GROUP BY 1) c
  WHERE a.id = c.id;
  UPDATE ledger_accounts a SET pending_out = a.pending_out + c.amount
  FROM (SELECT (t.x->>'debit')::bigint AS id, SUM((t.x->>'amount')::bigint) AS amount
        FROM (VALUES (p->'earn'), (p->'cashback')) AS t(x) WHERE t.x IS NOT NULL GROUP BY 1) c
  WHERE a.id = c.id;
  INSERT INTO tier_totals (member_id, day, spend_minor, purchases, points)
  VALUES (v_member, (p->'totals'->>'day')::date, (p->'totals'->>'spend_minor')::bigint,
          (p->'totals'->>'purchases')::bigint, (p->'totals'->>'points')::bigint)
  ON CONFLICT (member_id, day) DO UPDATE SET spend_minor = tier_totals.spend_minor + excluded.spend_minor,
    purchases = tier_totals.purchases + excluded.purchases, points = tier_totals.points + excluded.points;
  IF p ? 'tier' THEN
    UPDATE tier_states SET level = p->'tier'->>'level', valid_until = (p->'tier'->>'valid_until')::timestamptz,
      baseline_level = p->'tier'->>'baseline_level',
      baseline_valid_until = (p->'tier'->>'baseline_valid_until')::timestamptz,
      baseline_until = (p->'tier'->>'baseline_until')::timestamptz, updated_at = v_now
    WHERE member_id = v_member;
  END IF;
  INSERT INTO outbox_events (id, topic, member_id, payload, created_at, published_at, stream_id, delivered_at)
  SELECT (e->>'id')::uuid, e->>'topic', v_member, e->'payload', v_now, NULL, NULL, NULL
  FROM jsonb_array_elements(p->'events') AS e;
  -- Delivered to every listening process at commit, with the rest.
  PERFORM pg_notify('loyalty_members_changed', p->>'notify');
  RETURN jsonb_build_object('status', 'ok', 'id', v_purchase, 'earn', v_earn, 'cashback', v_cashback);
END
$fn$
"""

_EARNING = ("EARN_PURCHASE", "EARN_ACTION", "BONUS", "BIRTHDAY_REWARD", "YEARLY_REWARD", "REFERRAL")


def _aware(value) -> datetime:  # noqa: ANN001 - a driver value: datetime or text
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


async def _zone(client) -> ZoneInfo:  # noqa: ANN001
    rows = await client.execute_query_dict("SELECT source FROM program_versions ORDER BY version DESC LIMIT 1")
    if not rows:
        return ZoneInfo("UTC")
    return ZoneInfo(tomllib.loads(rows[0]["source"]).get("program", {}).get("timezone", "UTC"))


async def forward(apps, schema_editor) -> None:  # noqa: ANN001 - tortoise's migration hook
    """The running totals of every member and day so far, from the purchases and transfers they
    sum; on PostgreSQL, the lean path's two functions."""
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    zone = await _zone(client)
    found: dict[tuple[int, object], list[int]] = {}

    def add(member_id: int, at, spend: int = 0, purchases: int = 0, points: int = 0) -> None:  # noqa: ANN001
        key = (int(member_id), _aware(at).astimezone(zone).date())
        row = found.setdefault(key, [0, 0, 0])
        row[0] += spend
        row[1] += purchases
        row[2] += points

    for row in await client.execute_query_dict(
        "SELECT member_id, occurred_at, amount_minor, refunded_minor FROM purchases"
    ):
        refunded = int(row["refunded_minor"])
        amount = int(row["amount_minor"])
        add(row["member_id"], row["occurred_at"], spend=amount - refunded, purchases=1 if refunded < amount else 0)
    marks = ", ".join(f"'{code}'" for code in _EARNING)
    for row in await client.execute_query_dict(
        "SELECT t.member_id, t.amount, t.code, t.occurred_at, e.occurred_at AS earned_at FROM ledger_transfers t "
        "LEFT JOIN ledger_transfers e ON e.id = t.reverses_id WHERE t.asset = 'POINTS' AND t.status <> 'voided' "
        f"AND t.member_id IS NOT NULL AND (t.code IN ({marks}) OR (t.code IN ('CLAWBACK', 'SHORTFALL') "
        f"AND e.code IN ({marks})))"
    ):
        if row["code"] in _EARNING:
            add(row["member_id"], row["occurred_at"], points=int(row["amount"]))
        else:
            add(row["member_id"], row["earned_at"], points=-int(row["amount"]))
    insert = ("INSERT INTO tier_totals (member_id, day, spend_minor, purchases, points) VALUES "
              + ("($1, $2, $3, $4, $5)" if postgres else "(?, ?, ?, ?, ?)"))
    for (member_id, day), (spend, purchases, points) in sorted(found.items()):
        await client.execute_query(insert, [member_id, day if postgres else day.isoformat(), spend, purchases,
                                            points])
    if postgres:
        await client.execute_script(FACTS)
        await client.execute_script(RECORD)


async def backward(apps, schema_editor) -> None:  # noqa: ANN001
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script("DROP FUNCTION IF EXISTS loyalty_record_purchase(jsonb)")
        await client.execute_script("DROP FUNCTION IF EXISTS loyalty_purchase_facts(bigint, date, date)")


class Migration(migrations.Migration):
    """Recording a purchase in two round trips: the running totals of the tiers' qualifying
    amounts per member and day (filled from the purchases and transfers so far), and on
    PostgreSQL the two functions of the lean path (the facts read, the write of the decision)."""

    dependencies = [('loyalty', '0016_operations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TierTotal',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('day', fields.DateField()),
                ('spend_minor', fields.BigIntField(default=0)),
                ('purchases', fields.BigIntField(default=0)),
                ('points', fields.BigIntField(default=0)),
            ],
            options={'table': 'tier_totals', 'app': 'loyalty', 'unique_together': (('member_id', 'day'),), 'pk_attr': 'id', 'table_description': "What the activity of a member on one day (in the program time zone) adds to the qualifying"},
            bases=['Model'],
        ),
        ops.RunPython(forward, reverse_code=backward),
    ]
