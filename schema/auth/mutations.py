from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from loyalty.auth.sessions import InvalidRefreshToken, IssuedSession
from loyalty.members.models import Member as MemberRow
from loyalty.members.service import NewMember
from schema.auth.account import AccountMutations
from schema.charity.mutations import charity_code
from schema.context import context_of
from schema.errors import UserError
from schema.members.types import Member


@strawberry.input
class SignUpInput:
    email: str
    password: str
    display_name: str
    birthday: date | None = None
    locale: str | None = None
    referral_code: str | None = None
    marketing_consent: bool | None = None
    device_id: str | None = strawberry.field(
        default=None, description="The app's id for this device, when it has one: a referral code from the same "
                                  "device as its owner is SELF_REFERRAL."
    )
    charity_id: strawberry.ID | None = strawberry.field(
        default=None, description="A charity chosen on joining; the program may donate to it for the new member."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Optional: a retry with the same key and input (a response lost on the way) "
                                  "answers with the same member and a new session; other input under the key is "
                                  "IDEMPOTENCY_CONFLICT."
    )


@strawberry.input
class LogInInput:
    email: str
    password: str


@strawberry.input
class RefreshSessionInput:
    refresh_token: str


@strawberry.input
class LogOutInput:
    refresh_token: str


@strawberry.type
class AuthPayload:
    access_token: str | None = strawberry.field(
        default=None, description="Short-lived bearer token (JWT) for the Authorization header."
    )
    access_token_expires_at: datetime | None = None
    refresh_token: str | None = None
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def signed_in(cls, member: MemberRow, session: IssuedSession) -> AuthPayload:
        return cls(
            access_token=session.access.token, access_token_expires_at=session.access.expires_at,
            refresh_token=session.refresh_token, member=Member.from_row(member),
        )


@strawberry.type
class LogOutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AuthMutations(AccountMutations):
    @strawberry.mutation(
        description="Joins the program and signs in. A link to verify the address is emailed; until it is used "
                    "only account emails go to the address. RATE_LIMITED past the sign-ups allowed per client "
                    "address and device."
    )
    async def sign_up(self, info: Info, input: SignUpInput) -> AuthPayload:
        context = context_of(info)
        runtime = context.runtime
        data = NewMember(
            email=input.email, password=input.password, display_name=input.display_name,
            birthday=input.birthday, locale=input.locale, marketing_consent=bool(input.marketing_consent),
        )
        member, session = await runtime.auth.sign_up(
            data, runtime.program.program, client_address=context.client_address,
            idempotency_key=input.idempotency_key, referral_code=input.referral_code, device_id=input.device_id,
            charity_code=charity_code(input.charity_id),
        )
        return AuthPayload.signed_in(member, session)

    @strawberry.mutation
    async def log_in(self, info: Info, input: LogInInput) -> AuthPayload:
        context = context_of(info)
        member, session = await context.runtime.auth.log_in(
            input.email, input.password, client_address=context.client_address
        )
        return AuthPayload.signed_in(member, session)

    @strawberry.mutation(
        description="Rotates the refresh token: the old one stops working; reusing it ends the whole session family."
    )
    async def refresh_session(self, info: Info, input: RefreshSessionInput) -> AuthPayload:
        runtime = context_of(info).runtime
        session = await runtime.auth.sessions.refresh(input.refresh_token)
        member = await context_of(info).members.load(session.member_id)
        if member is None:  # members are never deleted (and their sessions go with them)
            raise InvalidRefreshToken()
        return AuthPayload.signed_in(member, session)

    @strawberry.mutation(description="Ends the session; the devices registered under it get no more pushes.")
    async def log_out(self, info: Info, input: LogOutInput) -> LogOutPayload:
        await context_of(info).runtime.auth.sessions.log_out(input.refresh_token)
        return LogOutPayload(ok=True)
