"""INFO through Debian's redis-py (4.3.4): every section parses, and the fields clients read have
the types redis-py gives them against Redis. usage: redis_py_info.py PORT; prints OK."""
import sys

import redis

r = redis.Redis(port=int(sys.argv[1]))
r.set("k", b"v" * 100)
try:
    r.execute_command("NOSUCHCOMMAND")
except redis.ResponseError as e:
    assert str(e).startswith("unknown command 'NOSUCHCOMMAND'"), e

sections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
            "errorstats", "cluster", "keyspace", "rawblock"]

for name in [None, "default", "all", "everything"] + sections + [s.upper() for s in sections]:
    info = r.info() if name is None else r.info(name)
    assert isinstance(info, dict), (name, info)
    assert "__raw__" not in info, (name, info["__raw__"])  # every line was name:value
assert r.info("nosuchsection") == {}

server = r.info("server")
assert server["redis_version"].startswith("7."), server
assert server["redis_mode"] == "standalone"
assert isinstance(server["process_id"], int) and isinstance(server["tcp_port"], int)
assert server["tcp_port"] == int(sys.argv[1])
memory = r.info("memory")
for field in ["used_memory", "used_memory_dataset", "maxmemory", "used_memory_rss", "total_system_memory"]:
    assert isinstance(memory[field], int), (field, memory)
assert memory["used_memory_dataset"] == 100
assert 0 < memory["used_memory"] < memory["maxmemory"]
assert memory["maxmemory_policy"] == "allkeys-lru"
assert r.info("replication")["role"] == "master"
assert r.info("replication")["connected_slaves"] == 0
assert r.info("cluster")["cluster_enabled"] == 0
assert r.info("keyspace")["db0"] == {"keys": 1, "expires": 0, "avg_ttl": 0}
assert r.info("persistence")["loading"] == 0
stats = r.info("stats")
assert stats["expired_keys"] == 0 and isinstance(stats["evicted_keys"], int)
assert isinstance(r.info("cpu")["used_cpu_user"], float)
assert "errorstat_ERR" in r.info("errorstats")
assert r.info("rawblock")["entries"] == 1
two = r.info("keyspace", "replication")
assert "role" in two and "db0" in two and "redis_version" not in two
print("OK")
