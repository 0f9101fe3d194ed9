"""Imports batches with the official Symphony BDK for Python into a sandbox that injects faults (500s, 429s,
latency, connections dropped before or after the import was applied), relying on the BDK's own retries, and
prints, as one JSON object on standard output, every answer and the stream read back.

Usage: python import_through_faults.py BDK_CONFIG.json SCENARIO.json

SCENARIO is {"streamId": "...", "batches": [[V4ImportedMessage JSON...], ...]}; every message carries an
`originalMessageId`, so a batch the BDK re-sends after a dropped connection is deduplicated by the sandbox.
"""
import asyncio
import json
import sys

from symphony.bdk.core.config.loader import BdkConfigLoader
from symphony.bdk.core.symphony_bdk import SymphonyBdk

from import_with_bdk import answers, to_model


async def main() -> None:
    config = BdkConfigLoader.load_from_file(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as file:
        scenario = json.load(file)
    result = {"batches": []}
    async with SymphonyBdk(config) as bdk:
        messages = bdk.messages()
        for batch in scenario["batches"]:
            result["batches"].append(answers(await messages.import_messages([to_model(r) for r in batch])))
        listed = await messages.list_messages(scenario["streamId"], since=0, skip=0, limit=500)
        result["listed"] = [message.message_id for message in (listed or [])]
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
