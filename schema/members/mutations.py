from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry
from strawberry.types import Info

from loyalty.members import service
from schema.members.types import Member, MemberPayload, RegisterDevicePayload
from schema.permissions import current_member, require_member


@strawberry.input
class UpdateProfileInput:
    display_name: str | None = None
    birthday: date | None = None
    locale: str | None = None
    marketing_consent: bool | None = None


@strawberry.input
class UpdateNotificationSettingsInput:
    email: bool | None = None
    push: bool | None = None
    marketing: bool | None = None


@strawberry.enum
class DevicePlatform(Enum):
    IOS = "IOS"
    ANDROID = "ANDROID"
    WEB = "WEB"


@strawberry.input
class RegisterDeviceInput:
    platform: DevicePlatform
    token: str = strawberry.field(
        description="The push token (FCM/APNs) or, for WEB, the Web Push subscription as JSON."
    )


@strawberry.input
class UnregisterDeviceInput:
    token: str = strawberry.field(description="The push token (or WEB subscription) given to registerDevice.")


@strawberry.type
class MemberMutations:
    @strawberry.mutation
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> MemberPayload:
        row = await service.update_profile(
            await current_member(info), display_name=input.display_name, birthday=input.birthday,
            locale=input.locale, marketing_consent=input.marketing_consent,
        )
        return MemberPayload(member=Member.from_row(row))

    @strawberry.mutation
    async def update_notification_settings(
        self, info: Info, input: UpdateNotificationSettingsInput
    ) -> MemberPayload:
        row = await service.update_notification_settings(
            await current_member(info), email=input.email, push=input.push, marketing=input.marketing
        )
        return MemberPayload(member=Member.from_row(row))

    @strawberry.mutation(description="Registers a push target under the current session: logOut removes it.")
    async def register_device(self, info: Info, input: RegisterDeviceInput) -> RegisterDevicePayload:
        member = await current_member(info)
        await service.register_device(member, input.platform.value, input.token, require_member(info).session_id)
        return RegisterDevicePayload(ok=True)

    @strawberry.mutation(description="Removes one of the member's devices: it gets no more pushes.")
    async def unregister_device(self, info: Info, input: UnregisterDeviceInput) -> RegisterDevicePayload:
        await service.unregister_device(await current_member(info), input.token)
        return RegisterDevicePayload(ok=True)
