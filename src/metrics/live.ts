/** Adapters from the engine's live state to what the metrics and usage modules read. */
import type { Engine } from "../engine/engine";

export function subscribersOf(engine: Engine) {
  return (appId: string, channel: string) => engine.peekState(appId)?.subscriptionCount(channel) ?? 0;
}

export function* connectionsPerApp(engine: Engine): Iterable<[string, number]> {
  for (const state of engine.appStates()) yield [state.id, state.sessions.size];
}

export function* liveApps(engine: Engine) {
  for (const state of engine.appStates()) {
    let subscriptions = 0;
    for (const channel of state.channels.values()) subscriptions += channel.subscriberCount;
    yield { appId: state.id, connections: state.sessions.size, channels: state.channels.size, subscriptions };
  }
}
