"""Mutations that change how a member signs in: email verification, password reset and
change, a new email address."""
from __future__ import annotations

import strawberry
from strawberry.types import Info

from loyalty.auth import recovery
from loyalty.members import verification
from schema.context import context_of
from schema.errors import UserError
from schema.permissions import current_member, require_member


@strawberry.input
class VerifyEmailInput:
    token: str = strawberry.field(description="The token of the link sent by email (its `token` parameter).")


@strawberry.input
class RequestPasswordResetInput:
    email: str


@strawberry.input
class ResetPasswordInput:
    token: str = strawberry.field(description="The token of the link sent by email (its `token` parameter).")
    new_password: str


@strawberry.input
class ChangePasswordInput:
    old_password: str
    new_password: str


@strawberry.input
class ChangeEmailInput:
    new_email: str
    password: str = strawberry.field(description="The member's current password.")


@strawberry.type
class AccountPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Uses the link sent on joining or by changeEmail: the address is verified (a new one "
                    "replaces the old). Single-use; INVALID_TOKEN when used, expired or unknown."
    )
    async def verify_email(self, info: Info, input: VerifyEmailInput) -> AccountPayload:
        await verification.verify_email(context_of(info).runtime.program.program, input.token)
        return AccountPayload(ok=True)

    @strawberry.mutation(description="Sends a new verification link to the signed-in member's address.")
    async def resend_verification_email(self, info: Info) -> AccountPayload:
        member = await current_member(info)
        await verification.resend(member, context_of(info).runtime.auth.verification_ttl_seconds)
        return AccountPayload(ok=True)

    @strawberry.mutation(
        description="Emails a password reset link when the address has an account. The answer is the same "
                    "whether or not it has one; RATE_LIMITED when asked too often."
    )
    async def request_password_reset(self, info: Info, input: RequestPasswordResetInput) -> AccountPayload:
        context = context_of(info)
        await recovery.request_password_reset(context.runtime.auth, input.email,
                                              client_address=context.client_address)
        return AccountPayload(ok=True)

    @strawberry.mutation(
        description="Sets a new password with the emailed link (single-use, 30 minutes by default); every "
                    "session of the member ends."
    )
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> AccountPayload:
        runtime = context_of(info).runtime
        await recovery.reset_password(runtime.auth, runtime.program.program, input.token, input.new_password)
        return AccountPayload(ok=True)

    @strawberry.mutation(description="Sets a new password given the current one; every other session ends.")
    async def change_password(self, info: Info, input: ChangePasswordInput) -> AccountPayload:
        member = await current_member(info)
        await recovery.change_password(context_of(info).runtime.auth, member, input.old_password,
                                       input.new_password, session_id=require_member(info).session_id)
        return AccountPayload(ok=True)

    @strawberry.mutation(
        description="Sends a verification link to the new address; the address changes when it is used."
    )
    async def change_email(self, info: Info, input: ChangeEmailInput) -> AccountPayload:
        member = await current_member(info)
        await recovery.change_email(context_of(info).runtime.auth, member, input.new_email, input.password)
        return AccountPayload(ok=True)
