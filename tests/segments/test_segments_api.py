from loyalty.members.models import Member
from loyalty.segments.scoring import score_members
from tests.segments.scene import NOW, five_members
from tests.support.gql import gql
from tests.support.shop import api_key

QUERY = "query($n: String!) { memberByNumber(memberNumber: $n) { segment rfm { recency frequency monetary computedAt } } }"


async def _member(client, key: str, member_id: int) -> dict:
    number = (await Member.get(id=member_id)).member_number
    return (await gql(client, QUERY, {"n": number}, token=key))["data"]["memberByNumber"]


async def test_a_member_shows_the_segment_and_scores_of_the_latest_scoring(runtime, client):
    m = await five_members(runtime.program.program)
    key = await api_key("members:read")
    assert await _member(client, key, m.bob) == {"segment": None, "rfm": None}  # before the first night
    await score_members(NOW, runtime.program.program)
    assert await _member(client, key, m.bob) == {
        "segment": "at_risk", "rfm": {"recency": 2, "frequency": 3, "monetary": 3, "computedAt": "2026-06-15T01:00:00+00:00"}}
    assert await _member(client, key, m.dan) == {
        "segment": None, "rfm": {"recency": 0, "frequency": 0, "monetary": 0, "computedAt": "2026-06-15T01:00:00+00:00"}}
