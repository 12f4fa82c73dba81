/** This node's live figures per app, for Prometheus and the usage rollups (both per node). */
import type { Engine } from "../engine/engine";

export function* connectionsPerApp(engine: Engine): Iterable<[string, number]> {
  for (const app of engine.live.localApps()) yield [app.appId, app.connections];
}

export function liveApps(engine: Engine) {
  return engine.live.localApps();
}
