// valkey-glide's cluster client (Node, pinned in package.json) against a rawblock cluster.
// Usage: node cluster_client.mjs SEED_PORT PASSWORD KEY...
// Does what ClusterWorkload describes: SET/GET/EXISTS of 1 and 4 MiB values, DEL of the first key of
// each pair, hash-tagged keys together, CROSSSLOT from the node for a multi-slot MSET. Prints OK.
import { Decoder, GlideClusterClient } from "@valkey/valkey-glide";

const MIB = 1 << 20;
const [port, password, ...keys] = process.argv.slice(2);

function value(key, size) {
  let h = 0;
  for (const b of Buffer.from(key, "utf8")) h += b;
  const v = Buffer.alloc(size);
  for (let j = 0; j < size; j++) v[j] = (j * 31 + h) & 0xff;
  return v;
}

const size = (i) => (i % 2 === 0 ? MIB : 4 * MIB);

function check(condition, what) {
  if (!condition) throw new Error("FAILED: " + what);
}

const client = await GlideClusterClient.createClient({
  addresses: [{ host: "127.0.0.1", port: Number(port) }],
  credentials: password ? { password } : undefined,
  requestTimeout: 30000,
});
try {
  for (const [i, key] of keys.entries()) check((await client.set(key, value(key, size(i)))) === "OK", "SET " + key);
  for (const [i, key] of keys.entries()) {
    const got = await client.get(key, { decoder: Decoder.Bytes });
    check(got !== null && Buffer.compare(got, value(key, size(i))) === 0, "GET " + key);
    check((await client.exists([key])) === 1, "EXISTS " + key);
  }
  for (const [i, key] of keys.entries()) {
    if (i % 2 !== 0) continue;
    check((await client.del([key])) === 1, "DEL " + key);
    check((await client.exists([key])) === 0, "EXISTS after DEL " + key);
    check((await client.get(key)) === null, "GET after DEL " + key);
  }
  check((await client.mset({ "{user1}.a": "1", "{user1}.b": "2" })) === "OK", "MSET of one hash tag");
  check((await client.exists(["{user1}.a", "{user1}.b"])) === 2, "EXISTS of one hash tag");
  // glide splits a multi-slot MSET itself; sent as one command to one node, the node refuses it.
  let refused = null;
  try {
    await client.customCommand(["MSET", "a", "1", "b", "2"], { route: { type: "primarySlotKey", key: "a" } });
  } catch (e) {
    refused = String(e.message);
  }
  // glide names the error by its kind: "CrossSlot: Keys in request don't hash to the same slot".
  check(refused !== null && refused.includes("CrossSlot: Keys in request don't hash to the same slot"),
    "CROSSSLOT: " + refused);
  console.log("OK");
} finally {
  client.close();
}
