// A JavaScript Compute app (@fastly/js-compute) that answers, as JSON, the config item,
// KV entry and secret it reads; /hello answers without reading any store.
/// <reference types="@fastly/js-compute" />
import { ConfigStore } from "fastly:config-store";
import { KVStore } from "fastly:kv-store";
import { SecretStore } from "fastly:secret-store";

async function read(f) {
  try { return await f(); } catch (e) { return null; }
}

addEventListener("fetch", (event) => event.respondWith(handle(event)));

async function handle(event) {
  const url = new URL(event.request.url);
  if (url.pathname === "/hello") return new Response("hello\n");
  const greeting = await read(() => new ConfigStore("app_config").get("greeting"));
  const counter = await read(async () => {
    const entry = await new KVStore("app_kv").get("counter");
    return entry ? await entry.text() : null;
  });
  const secret = await read(async () => {
    const s = await new SecretStore("app_secrets").get("api_key");
    return s ? s.plaintext() : null;
  });
  console.log(`served ${url.pathname}`);
  return new Response(JSON.stringify({ greeting, counter, secret }),
    { headers: { "content-type": "application/json" } });
}
