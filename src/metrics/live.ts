/** This node's live figures per app, for Prometheus and the usage rollups (both per node). */
import type { Engine } from "../engine/engine";

export function connectionsPerApp(engine: Engine): Iterable<[string, number]> {
  return engine.live.localConnections();
}

export function liveApps(engine: Engine) {
  return engine.live.localApps();
}
