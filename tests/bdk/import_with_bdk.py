"""Imports messages into a running Ferry sandbox with the official Symphony BDK for Python, and prints, as one
JSON object on standard output, everything the BDK answered.

Usage: python import_with_bdk.py BDK_CONFIG.json SCENARIO.json

SCENARIO is {"sandboxUrl": "http://127.0.0.1:PORT", "streamId": "...", "first": [V4ImportedMessage JSON...],
"afterExpiry": [...]}. Steps, all through the BDK except the sandbox-only session expiry:
1. import `first` (authenticates lazily: /login, then /relay);
2. import `first` again (the repeat: answered with the first import's ids);
3. ask the sandbox to end every session, then import `afterExpiry`: the Agent answers 401 and the BDK must
   authenticate again and retry on its own;
4. read `streamId` back with list_messages, and download every attachment with get_attachment.
Works with BDK 2.x (OpenAPI-generator models) and 3.x (pydantic models): both accept snake_case keywords.
"""
import asyncio
import json
import sys
import urllib.request

from symphony.bdk.core.config.loader import BdkConfigLoader
from symphony.bdk.core.symphony_bdk import SymphonyBdk
from symphony.bdk.gen.agent_model.v4_imported_message import V4ImportedMessage
from symphony.bdk.gen.agent_model.v4_imported_message_attachment import V4ImportedMessageAttachment

FIELDS = {
    "message": "message",
    "intendedMessageTimestamp": "intended_message_timestamp",
    "intendedMessageFromUserId": "intended_message_from_user_id",
    "originatingSystemId": "originating_system_id",
    "originalMessageId": "original_message_id",
    "streamId": "stream_id",
    "data": "data",
}


def to_model(record: dict) -> V4ImportedMessage:
    arguments = {FIELDS[name]: value for name, value in record.items() if name in FIELDS}
    if "attachments" in record:
        arguments["attachments"] = [
            V4ImportedMessageAttachment(filename=item["filename"], content=item["content"])
            for item in record["attachments"]
        ]
    return V4ImportedMessage(**arguments)


def answers(responses) -> list:
    return [
        {
            "messageId": getattr(response, "message_id", None),
            "originatingSystemId": getattr(response, "originating_system_id", None),
            "originalMessageId": getattr(response, "original_message_id", None),
            "diagnostic": getattr(response, "diagnostic", None),
        }
        for response in responses
    ]


def expire_sessions(sandbox_url: str) -> int:
    request = urllib.request.Request(sandbox_url + "/sandbox/v1/sessions/expire", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["expired"]


async def main() -> None:
    config = BdkConfigLoader.load_from_file(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as file:
        scenario = json.load(file)
    result = {}
    async with SymphonyBdk(config) as bdk:
        messages = bdk.messages()
        first = [to_model(record) for record in scenario["first"]]
        result["first"] = answers(await messages.import_messages(first))
        result["repeat"] = answers(await messages.import_messages(first))
        result["expired"] = expire_sessions(scenario["sandboxUrl"])
        after = [to_model(record) for record in scenario["afterExpiry"]]
        result["afterExpiry"] = answers(await messages.import_messages(after))
        listed = await messages.list_messages(scenario["streamId"], since=0, skip=0, limit=100)
        result["listed"] = [
            {
                "messageId": message.message_id,
                "timestamp": message.timestamp,
                "message": message.message,
                "userId": message.user.user_id,
                "attachments": [
                    {"id": file.id, "name": file.name, "size": file.size}
                    for file in (getattr(message, "attachments", None) or [])
                ],
            }
            for message in (listed or [])
        ]
        downloads = []
        for message in result["listed"]:
            for file in message["attachments"]:
                content = await messages.get_attachment(scenario["streamId"], message["messageId"], file["id"])
                if isinstance(content, (bytes, bytearray)):
                    content = content.decode("ascii")
                downloads.append(content)
        result["downloads"] = downloads
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
