"""LMCache's Redis connector key scheme, driven with redis-py against a rawblock server.

Mirrors lmcache/v1/storage_backend/connector/redis_connector.py (PROTOCOLS.md section 2):
put = SET <key>kv_bytes then SET <key>metadata (28 packed bytes); exists = EXISTS <key>metadata;
prefix contains = EXISTS per key, stopping at the first miss; get = GET metadata, then GET kv_bytes,
and DEL metadata when the data is gone. Prints OK and exits 0 when every check holds.
Usage: lmcache_redis_client.py PORT [PASSWORD]
"""
import os
import struct
import sys

import redis


def metadata(length, fmt=1, dtype=2, shape=(2, 32, 256, 128)):
    return struct.pack("iiiiiii", length, fmt, dtype, *shape)


def put(r, key, data):
    r.set(key + "kv_bytes", data)
    r.set(key + "metadata", metadata(len(data)))


def get(r, key):
    meta = r.get(key + "metadata")
    if meta is None:
        return None
    length = struct.unpack("iiiiiii", meta)[0]
    data = r.get(key + "kv_bytes")
    if data is None:
        r.delete(key + "metadata")
        return None
    assert len(data) == length, (len(data), length)
    return data


def prefix_contains(r, keys):
    hits = 0
    for k in keys:
        if not r.exists(k + "metadata"):
            break
        hits += 1
    return hits


def main():
    port = int(sys.argv[1])
    password = sys.argv[2] if len(sys.argv) > 2 else None
    # The handshake of redis-py 4.3.4: AUTH when a password is set, CLIENT SETNAME, SELECT only for db != 0.
    r = redis.Redis(host="127.0.0.1", port=port, password=password, client_name="lmcache-test", db=0)
    assert r.ping() is True
    keys = ["vllm@model@1@0@%032x" % i for i in range(8)]
    chunks = [os.urandom((4 << 20) + i * 4096) for i in range(len(keys))]
    for k, c in zip(keys[:5], chunks[:5]):
        put(r, k, c)
    assert r.exists(keys[0] + "metadata") == 1
    assert prefix_contains(r, keys) == 5, prefix_contains(r, keys)
    for k, c in zip(keys[:5], chunks[:5]):
        assert get(r, k) == c
    assert get(r, keys[6]) is None
    # The repair path: metadata without data is deleted by the reader and is a miss from then on.
    r.delete(keys[2] + "kv_bytes")
    assert get(r, keys[2]) is None
    assert r.exists(keys[2] + "metadata") == 0
    assert prefix_contains(r, keys) == 2
    # Pipelined commands, as redis-py sends them.
    p = r.pipeline(transaction=False)
    for i in range(50):
        p.set("pipe%d" % i, b"v" * i)
    p.mget(["pipe%d" % i for i in range(50)])
    replies = p.execute()
    assert replies[-1] == [b"v" * i for i in range(50)]
    assert r.client_getname() == "lmcache-test"
    print("OK")


if __name__ == "__main__":
    main()
