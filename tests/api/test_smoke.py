from tests.support.gql import ME, gql, sign_up


async def test_a_member_signs_up_and_reads_me(client):
    payload = await sign_up(client, "ann@example.com")
    me = (await gql(client, ME, token=payload["accessToken"]))["data"]["me"]
    assert me["email"] == "ann@example.com"
    assert me["id"] == payload["member"]["id"]
