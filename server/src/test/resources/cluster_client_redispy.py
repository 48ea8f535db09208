"""redis-py's RedisCluster (Debian's python3-redis 4.3.4) against a rawblock cluster.

Usage: cluster_client_redispy.py SEED_PORT PASSWORD KEY...
Does what ClusterWorkload describes: SET/GET/EXISTS of 1 and 4 MiB values, DEL of the first key of
each pair, hash-tagged keys together, CROSSSLOT from the node for a multi-slot MSET. Prints OK.
"""
import sys

from redis.cluster import RedisCluster
from redis.exceptions import ClusterCrossSlotError

MIB = 1 << 20


def value(key, size):
    h = sum(key.encode()) & 0xFF
    pattern = bytes((j * 31 + h) & 0xFF for j in range(256))
    return (pattern * (size // 256 + 1))[:size]


def size(i):
    return MIB if i % 2 == 0 else 4 * MIB


def check(condition, what):
    if not condition:
        print("FAILED: " + what)
        sys.exit(1)


def main():
    port, password, keys = int(sys.argv[1]), sys.argv[2] or None, sys.argv[3:]
    rc = RedisCluster(host="127.0.0.1", port=port, password=password, socket_timeout=30)
    check(len(rc.get_primaries()) == 3, "three primaries: %s" % rc.get_primaries())
    for i, key in enumerate(keys):
        check(rc.set(key, value(key, size(i))) is True, "SET " + key)
    for i, key in enumerate(keys):
        check(rc.get(key) == value(key, size(i)), "GET " + key)
        check(rc.exists(key) == 1, "EXISTS " + key)
    for i, key in enumerate(keys):
        if i % 2 == 0:
            check(rc.delete(key) == 1, "DEL " + key)
            check(rc.exists(key) == 0, "EXISTS after DEL " + key)
            check(rc.get(key) is None, "GET after DEL " + key)
    check(rc.mset({"{user1}.a": "1", "{user1}.b": "2"}) is True, "MSET of one hash tag")
    check(rc.mget("{user1}.a", "{user1}.b") == [b"1", b"2"], "MGET of one hash tag")
    try:
        rc.execute_command("MSET", "a", "1", "b", "2", target_nodes=rc.get_node_from_key("a"))
        check(False, "MSET across slots was accepted")
    except ClusterCrossSlotError as e:  # redis-py's class for the CROSSSLOT code; the rest is the message
        check(str(e) == "Keys in request don't hash to the same slot", "CROSSSLOT: %s" % e)
    print("OK")


main()
