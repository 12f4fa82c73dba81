/**
 * Control commands applied to this node's sockets (the ControlChannel delivers them to every node):
 * terminate a user's connections (§5.8, §3.7), and tell local watchers that a user came online or
 * went offline (§3.6). "app changed" is the engine's reload.
 */
import { Code, PusherError } from "../protocol/errors";
import type { AppState } from "./app-state";
import type { ControlMessage } from "./ports";
import { watchlistFrame } from "./watchlist";

/** What pusher-js shows when the app terminates the connection; soketi and sockudo say the same. */
export const TERMINATED = "You got disconnected by the app.";

export function applyControl(state: AppState, message: Exclude<ControlMessage, { kind: "app_changed" }>): void {
  switch (message.kind) {
    case "terminate_user":
      for (const session of [...(state.users.get(message.userId) ?? [])]) {
        session.sendError(new PusherError(Code.UNAUTHORIZED, TERMINATED));
        session.close(Code.UNAUTHORIZED, TERMINATED);
      }
      return;
    case "watchlist": {
      if (!state.app.watchlistEvents) return;
      const watchers = state.watchers.get(message.userId);
      if (watchers === undefined) return;
      const frame = watchlistFrame([{ name: message.status, user_ids: [message.userId] }]);
      for (const watcher of watchers) watcher.send(frame);
      return;
    }
  }
}
