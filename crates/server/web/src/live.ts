// The camera and microphone, and the LiveKit room they are published to.

import {
  ConnectionError,
  ConnectionState,
  DisconnectReason,
  LocalTrack,
  MediaDeviceFailure,
  Room,
  RoomEvent,
  Track,
  type TrackPublishOptions,
  VideoPresets,
  createLocalTracks,
} from "livekit-client";

/**
 * One full-quality layer and plain Opus: the room's consumer is the recorder (participant egress),
 * which takes the top layer only. Simulcast's three encodes cost a 2-core machine enough CPU that
 * the top layer stalled and the recorder never started; audio RED is left off as in the SDK peers
 * the egress tests use.
 */
const PUBLISH_OPTIONS: TrackPublishOptions = { simulcast: false, red: false };

export type DeviceProblemKind = "denied" | "missing" | "in_use" | "other";

export interface DeviceProblem {
  kind: DeviceProblemKind;
  message: string;
}

/** What went wrong with the camera or microphone, in words a person can act on. */
export function describeDeviceError(error: unknown): DeviceProblem {
  switch (MediaDeviceFailure.getFailure(error)) {
    case MediaDeviceFailure.PermissionDenied:
      return {
        kind: "denied",
        message:
          "Camera or microphone access was denied. Allow both for this site (the camera icon in the address bar), then press Retry.",
      };
    case MediaDeviceFailure.NotFound:
      return { kind: "missing", message: "No camera or microphone was found. Connect one, then press Retry." };
    case MediaDeviceFailure.DeviceInUse:
      return {
        kind: "in_use",
        message: "The camera or microphone is in use by another application. Close it, then press Retry.",
      };
    default:
      return {
        kind: "other",
        message: `The camera or microphone could not be started (${error instanceof Error ? error.message : String(error)}). Press Retry.`,
      };
  }
}

/** The local camera and microphone, shown in `video` before and during a session. */
export class DevicePreview {
  private constructor(readonly tracks: LocalTrack[]) {}

  static async open(video: HTMLVideoElement): Promise<DevicePreview> {
    const tracks = await createLocalTracks({ audio: true, video: { resolution: VideoPresets.h360.resolution } });
    const camera = tracks.find((t) => t.kind === Track.Kind.Video);
    camera?.attach(video);
    return new DevicePreview(tracks);
  }

  stop(): void {
    for (const track of this.tracks) {
      track.detach();
      track.stop();
    }
  }
}

export interface RoomCallbacks {
  /** LiveKit's connection state: connecting, connected, reconnecting, disconnected. */
  onConnectionState(state: ConnectionState): void;
  /** The room closed without this page leaving it; `closedByServer` when the session was ended. */
  onLost(message: string, closedByServer: boolean): void;
}

/** Connects to the session's room and publishes the preview's tracks. */
export class LiveRoom {
  // The preview's tracks outlive the room (a closed room must not turn the preview black).
  private readonly room = new Room({ adaptiveStream: false, dynacast: false, stopLocalTrackOnUnpublish: false });
  private leaving = false;

  constructor(callbacks: RoomCallbacks) {
    this.room.on(RoomEvent.ConnectionStateChanged, (state) => callbacks.onConnectionState(state));
    this.room.on(RoomEvent.Disconnected, (reason) => {
      if (!this.leaving) callbacks.onLost(describeDisconnect(reason), reason === DisconnectReason.ROOM_DELETED);
    });
  }

  async join(url: string, token: string, preview: DevicePreview): Promise<void> {
    try {
      // The page shows no one else (yet): receiving and decoding the other person's video would
      // only cost CPU that the recorders need on small machines.
      await this.room.connect(url, token, { autoSubscribe: false });
    } catch (error) {
      throw new Error(describeConnectError(error));
    }
    // Both at once, in one negotiation: the recorder (started when LiveKit reports this page
    // joined) finds media flowing sooner. A recorder that subscribes before the first video
    // packet gets LiveKit's padding first, and egress v1.8.6 then sometimes never starts.
    await Promise.all(preview.tracks.map((track) => this.room.localParticipant.publishTrack(track, PUBLISH_OPTIONS)));
  }

  publishedKinds(): string[] {
    return [...this.room.localParticipant.trackPublications.values()].map((p) => p.kind);
  }

  async leave(): Promise<void> {
    this.leaving = true;
    for (const publication of this.room.localParticipant.trackPublications.values()) {
      if (publication.track) await this.room.localParticipant.unpublishTrack(publication.track, false);
    }
    await this.room.disconnect();
  }
}

function describeConnectError(error: unknown): string {
  if (error instanceof ConnectionError && error.status === 401) {
    return "LiveKit refused this session's access token (expired or not valid). Start a new session.";
  }
  const detail = error instanceof Error ? error.message : String(error);
  return `Could not connect to LiveKit (${detail}). Check that the LiveKit server is running, then start again.`;
}

function describeDisconnect(reason: DisconnectReason | undefined): string {
  switch (reason) {
    case DisconnectReason.ROOM_DELETED:
      return "The session's room was closed by the server.";
    case DisconnectReason.PARTICIPANT_REMOVED:
      return "You were removed from the session's room.";
    case DisconnectReason.DUPLICATE_IDENTITY:
      return "Someone joined this session with the same name, so this page was disconnected.";
    default:
      return "The connection to LiveKit was lost and could not be restored. End the session and start a new one.";
  }
}
