"""LiveKit's Python server SDK (`livekit-api`) as a peer for crates/livekit/tests/livekit.rs.

Usage: python livekit_peer.py <command>, with a JSON object on stdin; prints a JSON object.

  sign-webhook     {api_key, api_secret, body}          -> {authorization}
      signs `body` the way livekit-server does: an AccessToken valid 5 minutes whose sha256
      claim is the standard base64 of the body's SHA-256 (no video grant, no identity).
  verify-token     {api_key, api_secret, token}         -> {identity, name, metadata, video}
      checks a token with the SDK's TokenVerifier and returns the claims it read.
  receive-webhook  {api_key, api_secret, body, authorization} -> {event}
      checks a delivery with the SDK's WebhookReceiver and returns the event as protobuf JSON.
  parse-strict     {message, json}                      -> {ok, error}
      parses `json` as livekit.<message> (WebhookEvent, ParticipantEgressRequest, …) with the
      generated protobuf types, rejecting unknown fields and enum values: proof that a fixture or
      a request we build uses LiveKit's real names.

Any failure exits non-zero with the SDK's error on stderr.
"""

import base64
import dataclasses
import datetime
import hashlib
import json
import sys

from google.protobuf.json_format import MessageToDict, Parse, ParseError
from livekit import api
from livekit.protocol import egress, webhook


def sign_webhook(req):
    digest = hashlib.sha256(req["body"].encode()).digest()
    token = (
        api.AccessToken(req["api_key"], req["api_secret"])
        .with_ttl(datetime.timedelta(minutes=5))
        .with_sha256(base64.b64encode(digest).decode())
        .to_jwt()
    )
    return {"authorization": token}


def verify_token(req):
    claims = api.TokenVerifier(req["api_key"], req["api_secret"]).verify(req["token"])
    return {
        "identity": claims.identity,
        "name": claims.name,
        "metadata": claims.metadata,
        "video": dataclasses.asdict(claims.video) if claims.video else None,
    }


def receive_webhook(req):
    receiver = api.WebhookReceiver(api.TokenVerifier(req["api_key"], req["api_secret"]))
    event = receiver.receive(req["body"], req["authorization"])
    return {"event": MessageToDict(event)}


def parse_strict(req):
    message = {
        "WebhookEvent": webhook.WebhookEvent,
        "RoomCompositeEgressRequest": egress.RoomCompositeEgressRequest,
        "ParticipantEgressRequest": egress.ParticipantEgressRequest,
        "TrackCompositeEgressRequest": egress.TrackCompositeEgressRequest,
    }[req["message"]]
    try:
        Parse(req["json"], message())
        return {"ok": True, "error": None}
    except ParseError as e:
        return {"ok": False, "error": str(e)}


COMMANDS = {
    "sign-webhook": sign_webhook,
    "verify-token": verify_token,
    "receive-webhook": receive_webhook,
    "parse-strict": parse_strict,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: livekit_peer.py {{{'|'.join(COMMANDS)}}} < request.json")
    request = json.load(sys.stdin)
    json.dump(COMMANDS[sys.argv[1]](request), sys.stdout)


if __name__ == "__main__":
    main()
