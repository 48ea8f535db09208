// Drives rawblock the way LMCache MP's `valkey` L2 adapter does with valkey-glide: one standalone
// client per worker (8 by default), each connecting on its own (HELLO 3 [AUTH default pass],
// CLIENT SETINFO, INFO REPLICATION), then SET / GET of raw chunk bytes under MP keys, one-key
// EXISTS, DEL, and INFO memory parsed for used_memory and maxmemory.
//
// usage: node glide_valkey_adapter.js PORT [PASSWORD] [--expect-auth-failure]
// Prints one JSON line of what it saw; exits 0 when every check held, 1 otherwise.
const { GlideClient, Decoder, InfoOptions } = require("@valkey/valkey-glide");
const crypto = require("crypto");

const port = parseInt(process.argv[2], 10);
const password = process.argv[3] && !process.argv[3].startsWith("--") ? process.argv[3] : null;
const expectAuthFailure = process.argv.includes("--expect-auth-failure");
const WORKERS = 8;
const MIB = 1 << 20;

function check(condition, what) {
  if (!condition) throw new Error("check failed: " + what);
}

// The adapter's defaults: request_timeout 5.0 s, connection_timeout 10.0 s.
function connect() {
  const config = {
    addresses: [{ host: "127.0.0.1", port }],
    requestTimeout: 5000,
    advancedConfiguration: { connectionTimeout: 10000 },
  };
  if (password !== null) config.credentials = { username: "default", password };
  return GlideClient.createClient(config);
}

// <model_name>@<kv_rank:08x>@<object_group_id:x>@<chunk_hash_hex>, as LMCache MP names chunks.
function mpKey(worker, chunk) {
  const hash = crypto.createHash("sha256").update(`${worker}/${chunk}`).digest("hex");
  return `meta-llama/Llama-3.1-8B@${worker.toString(16).padStart(8, "0")}@0@${hash}`;
}

async function worker(client, w) {
  for (const [chunk, size] of [[0, MIB], [1, 4 * MIB]]) {
    const key = mpKey(w, chunk);
    const value = crypto.randomBytes(size);
    check((await client.set(key, value)) === "OK", `SET ${size}`);
    const got = await client.get(key, { decoder: Decoder.Bytes });
    check(got !== null && Buffer.compare(Buffer.from(got), value) === 0, `GET ${size} returns the bytes`);
    check((await client.exists([key])) === 1, "EXISTS of a stored key");
    check((await client.strlen(key)) === size, "STRLEN is the chunk size");
    if (chunk === 0) {
      check((await client.del([key])) === 1, "DEL of a stored key");
      check((await client.exists([key])) === 0, "EXISTS after DEL");
      check((await client.get(key)) === null, "GET after DEL");
    }
  }
}

function field(info, name) {
  const m = info.match(new RegExp("^" + name + ":(\\d+)\\r?$", "m"));
  return m ? Number(m[1]) : null;
}

(async () => {
  const seen = {};
  let clients = [];
  try {
    try {
      clients = await Promise.all(Array.from({ length: WORKERS }, connect));
    } catch (e) {
      if (expectAuthFailure) {
        console.log(JSON.stringify({ refused: true, error: String(e.message || e).split("\n")[0] }));
        process.exit(0);
      }
      throw e;
    }
    check(!expectAuthFailure, "the wrong password was accepted");
    await Promise.all(clients.map((c, w) => worker(c, w)));
    const memory = await clients[0].info([InfoOptions.Memory]);
    seen.used_memory = field(memory, "used_memory");
    seen.maxmemory = field(memory, "maxmemory");
    check(seen.used_memory !== null && seen.used_memory >= 8 * 4 * MIB, "used_memory holds the 8 chunks of 4 MiB");
    check(seen.maxmemory !== null && seen.maxmemory > seen.used_memory, "maxmemory is the capacity");
    const replication = await clients[0].info([InfoOptions.Replication]);
    check(/^role:master\r?$/m.test(replication), "role:master");
    const list = String(await clients[0].customCommand(["CLIENT", "LIST"]));
    seen.clients = list.trim().split("\n").length;
    seen.lib_name = (list.match(/lib-name=(\S*)/) || [])[1];
    seen.resp = (list.match(/resp=(\d)/) || [])[1];
    console.log(JSON.stringify({ ok: true, ...seen }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e.stack || e), ...seen }));
    process.exitCode = 1;
  } finally {
    for (const c of clients) c.close();
  }
})();
