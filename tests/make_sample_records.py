"""Writes sample_data/records/: the same eight records in every format and encoding govscan reads.

Run from the repository root: python3 tests/make_sample_records.py (needs pyarrow for Parquet).
The output is committed; tests/sample_data.rs checks that each format gives the same findings
per record.
"""
import bz2, csv, gzip, io, json, lzma, os, subprocess

RECORDS = [
    "Customer Chan Tai-man, HKID A123456(3), mobile 9123 4567.",
    "請致電 ９１２３ ４５６７ 或電郵 chan.taiman@example.com.hk 查詢。",
    "身份證號碼 Ｃ６６８６６８（９），住址：九龍彌敦道。",
    "Contact: +852 2123 4567 / mary.wong@example.org",
    "版權所有 2023 香港示例出版社，不得轉載。",
    "No personal data in this record; HK$91234567 was paid on 2023-12-31.",
    "Licensed under CC BY-NC-SA 4.0; reply to tm.chan+jobs@mail.example.net",
    "身份證：Z683365〔A〕 電話：(852) 6987-6543",
]
OUT = "sample_data/records"
os.makedirs(OUT, exist_ok=True)
rows = [{"id": i + 1, "text": t, "source": "synthetic"} for i, t in enumerate(RECORDS)]


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


# JSONL as Python writes it by default: every non-ASCII character as a \uXXXX escape.
jsonl = "".join(json.dumps(r) + "\n" for r in rows).encode()
write("records.jsonl", jsonl)
write("records.jsonl.gz", gzip.compress(jsonl, mtime=0))
write("records.jsonl.xz", lzma.compress(jsonl))

buf = io.StringIO()
w = csv.DictWriter(buf, fieldnames=["id", "text", "source"], lineterminator="\n")
w.writeheader()
w.writerows(rows)
csv_bytes = buf.getvalue().encode()
write("records.csv", csv_bytes)
write("records.csv.zst", subprocess.run(["zstd", "-q", "-c"], input=csv_bytes, capture_output=True, check=True).stdout)

text = "".join(t + "\n" for t in RECORDS)
write("records.txt.bz2", bz2.compress(text.encode()))
write("records.utf16.txt", text.encode("utf-16"))  # little-endian with a BOM
write("records.big5.txt", text.encode("big5hkscs"))

import pyarrow as pa, pyarrow.parquet as pq

pq.write_table(pa.Table.from_pylist(rows), os.path.join(OUT, "records.parquet"))
