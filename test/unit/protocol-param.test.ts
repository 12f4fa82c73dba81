/**
 * The handshake's `protocol` query parameter is read as URLSearchParams reads it, without building one;
 * the app key of the path is sliced as APP_PATH reads it, without running it.
 */
import { expect, test } from "bun:test";
import { APP_PATH, appKeyOf, protocolOf } from "../../src/transport/bun-websocket";

test("protocolOf agrees with URLSearchParams on plain, odd and escaped queries", () => {
  for (const query of [
    "", "?", "?protocol=7", "?protocol=7&client=js", "?client=js&protocol=6&v=1", "?xprotocol=7", "?xprotocol=7&protocol=5",
    "?protocol=", "?protocol", "?protocol=7&protocol=8", "?protocol=%37", "?protocol=+7", "?a=1&protocol=7x", "?Protocol=7",
  ]) {
    const url = new URL(`http://h/app/k${query}`);
    expect([query, protocolOf(url)]).toEqual([query, url.searchParams.get("protocol")]);
  }
});

test("appKeyOf agrees with APP_PATH on plain, prefixed and malformed paths", () => {
  for (const path of [
    "/app/k", "/app/key-1", "/app/%41b", "/app/app", "/app/", "/app", "/app/k/", "/app/k/x", "/app//", "/apps/k",
    "/x/app/k", "/a/b/app/k", "//app/k", "/app/app/k", "/app/k/app/j", "/", "", "/APP/k", "/app/.", "/app/..",
  ]) {
    expect([path, appKeyOf(path)]).toEqual([path, APP_PATH.exec(path)?.[1]]);
  }
});
