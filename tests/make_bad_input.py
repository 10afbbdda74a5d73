"""Writes tests/bad_input/: files that break naive scanners (see its README).

Run from the repository root: python3 tests/make_bad_input.py (needs zstd and pyarrow).
"""
import gzip, json, os, subprocess

os.chdir("tests/bad_input")
open("good.txt", "w").write("Contact Mr Chan on +852 9123 4567.\n")
lines = "".join(json.dumps({"id": i, "text": f"record {i} phone 6123 4567"}) + "\n" for i in range(30000)).encode()
gz = gzip.compress(lines, mtime=0)
open("truncated.jsonl.gz", "wb").write(gz[: len(gz) // 2])
corrupt = bytearray(gz)
corrupt[len(corrupt) // 2] ^= 0xFF
corrupt[len(corrupt) // 2 + 1] ^= 0xFF
open("corrupt.jsonl.gz", "wb").write(bytes(corrupt))
zst = subprocess.run(["zstd", "-q", "-c"], input=lines, capture_output=True, check=True).stdout
open("truncated.jsonl.zst", "wb").write(zst[: len(zst) // 2])
cz = bytearray(zst)
cz[len(cz) // 2] ^= 0xFF
open("corrupt.jsonl.zst", "wb").write(bytes(cz))
import pyarrow as pa, pyarrow.parquet as pq

pq.write_table(pa.Table.from_pylist([{"text": f"HKID A123456(3) row {i}"} for i in range(2000)]), "/tmp/full.parquet")
b = open("/tmp/full.parquet", "rb").read()
open("truncated.parquet", "wb").write(b[: len(b) // 2])
open("invalid_utf8.txt", "wb").write(
    b"First line Tel: 9123 4567\n" + b"bad bytes \xff\xfe\xc3 here\n" + b"after the damage mail a.b@example.com\n"
)
open("nul_bytes.dat", "wb").write(b"header\x00\x00\x00\x01binary payload" * 10)
open("empty.txt", "wb").write(b"")
depth = 100000
open("deeply_nested.jsonl", "w").write(
    "[" * depth + "]" * depth + "\n" + json.dumps({"text": "after the deep line: HKID A123456(3)"}) + "\n"
)
open("not_json.jsonl", "w").write('{"text": "ok 6123 4567"}\n{broken json, phone 9123 4567\n')
open("pointer.jsonl", "w").write(
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1234567\n"
)
