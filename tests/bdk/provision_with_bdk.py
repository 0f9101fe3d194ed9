"""Runs the import documentation's steps through the official Symphony BDK for Python against a Ferry sandbox:
read the session's user, provision a user, create a room and add the user, create an admin IM, import into both, then deactivate the
user and the room and import again. Prints, as one JSON object on standard output, what the BDK answered.

Usage: python provision_with_bdk.py BDK_CONFIG.json SCENARIO.json
SCENARIO is {"otherUserId": <an existing user id>}.
"""
import asyncio
import json
import sys

from symphony.bdk.core.config.loader import BdkConfigLoader
from symphony.bdk.core.symphony_bdk import SymphonyBdk
from symphony.bdk.gen.pod_model.user_status import UserStatus
from symphony.bdk.gen.pod_model.v2_user_attributes import V2UserAttributes
from symphony.bdk.gen.pod_model.v2_user_create import V2UserCreate
from symphony.bdk.gen.pod_model.v3_room_attributes import V3RoomAttributes

from import_with_bdk import answers, to_model


def imported(original: str, sender: int, stream: str, timestamp: int) -> dict:
    return {
        "message": f"<messageML>{original}</messageML>",
        "intendedMessageTimestamp": timestamp,
        "intendedMessageFromUserId": sender,
        "originatingSystemId": "fooChat",
        "originalMessageId": original,
        "streamId": stream,
    }


async def main() -> None:
    config = BdkConfigLoader.load_from_file(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as file:
        scenario = json.load(file)
    other = scenario["otherUserId"]
    result = {}
    async with SymphonyBdk(config) as bdk:
        session = await bdk.sessions().get_session()
        result["sessionUsername"] = session.username
        attributes = V2UserAttributes(
            user_name="dora", display_name="Dora", email_address="dora@example.com", account_type="NORMAL"
        )
        created = await bdk.users().create(V2UserCreate(user_attributes=attributes, roles=["INDIVIDUAL"]))
        dora = created.user_system_info.id
        result["userId"] = dora
        result["userStatus"] = created.user_system_info.status
        room = await bdk.streams().create_room(V3RoomAttributes(name="Migrated general", description="from fooChat"))
        room_id = room.room_system_info.id
        result["roomId"] = room_id
        result["roomName"] = room.room_attributes.name
        await bdk.streams().add_member_to_room(dora, room_id)
        im = await bdk.streams().create_im_admin([dora, other])
        result["imId"] = im.id
        batch = [imported("pod-room", dora, room_id, 1433045622000), imported("pod-im", dora, im.id, 1433045623000)]
        result["imported"] = answers(await bdk.messages().import_messages([to_model(r) for r in batch]))
        await bdk.users().update_status(dora, UserStatus(status="DISABLED"))
        detail = await bdk.streams().set_room_active_admin(room_id, False)
        result["roomActiveAfter"] = detail.room_system_info.active
        batch = [imported("pod-room-2", dora, room_id, 1433045624000), imported("pod-im-2", other, im.id, 1433045625000)]
        result["afterDeactivation"] = answers(await bdk.messages().import_messages([to_model(r) for r in batch]))
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
