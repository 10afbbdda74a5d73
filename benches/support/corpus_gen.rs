#![allow(dead_code)] // Shared by the benchmark and the gen_corpus example; each uses part of it.
//! Deterministic generator of mixed English and Traditional Chinese prose with sparse planted
//! personal data, for benchmarks. No randomness crate: a small xorshift keeps runs identical.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

const EN: &[&str] = &[
    "The committee met on Tuesday to review the harbour development plan and its budget.",
    "Residents raised concerns about noise, traffic and the new ferry timetable in 2023.",
    "Order 4471 shipped in 3 boxes; the invoice total was HK$1,250.00 including delivery.",
    "Version 2.4.1 of the report was published with 15 tables and 42 figures.",
    "The library opens at 09:30 and closes at 21:00 on weekdays, except public holidays.",
    "Researchers compared 1,024 samples collected between 2019-01-01 and 2021-12-31.",
];
const ZH: &[&str] = &[
    "委員會於星期二開會，檢討海港發展計劃及相關預算。",
    "居民關注噪音、交通及新渡輪時間表等問題，並要求當局回應。",
    "圖書館平日上午九時半開放，晚上九時關閉，公眾假期除外。",
    "研究人員比較了二零一九年至二零二一年間收集的一千零二十四個樣本。",
    "本報告第二版共有十五個表格及四十二幅圖表，已於網上發布。",
];
const PLANTS: &[&str] = &[
    "Contact Mr Chan at +852 9123 4567.",
    "HKID A123456(3) was recorded.",
    "請致電 ９１２３ ４５６７ 查詢。",
    "Email chan.taiman@example.com.hk for details.",
    "身份證號碼 Ｃ６６８６６８（９）。",
    "Copyright © 2023 Example Press Ltd. All rights reserved.",
];

/// About `bytes` of text, one planted value per `plant_every` lines on average.
pub fn prose(bytes: usize, plant_every: u64, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(bytes + 256);
    while out.len() < bytes {
        let n = 1 + rng.below(4);
        for i in 0..n {
            let s = if rng.below(2) == 0 {
                EN[rng.below(EN.len() as u64) as usize]
            } else {
                ZH[rng.below(ZH.len() as u64) as usize]
            };
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(s.as_bytes());
        }
        if rng.below(plant_every) == 0 {
            out.push(b' ');
            out.extend_from_slice(PLANTS[rng.below(PLANTS.len() as u64) as usize].as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// The same prose as JSON Lines the way Python's `json.dumps` writes them by default: one
/// `{"id": n, "text": "..."}` object a line, every non-ASCII character as a `\uXXXX` escape.
pub fn escaped_jsonl(prose: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(prose).expect("generated prose is UTF-8");
    let mut out = Vec::with_capacity(prose.len() * 2);
    for (i, line) in text.lines().enumerate() {
        out.extend_from_slice(format!("{{\"id\": {i}, \"text\": \"").as_bytes());
        for c in line.chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                c if c.is_ascii() && !c.is_ascii_control() => out.push(c as u8),
                c => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.extend_from_slice(format!("\\u{u:04x}").as_bytes());
                    }
                }
            }
        }
        out.extend_from_slice(b"\"}\n");
    }
    out
}

/// About `bytes` of a digit-dense transactions CSV: ids, timestamps, account numbers, amounts
/// and 8-digit references (phone-shaped, most of them in allocated phone ranges), with a real
/// phone number in the note column of about one row in `plant_every`.
pub fn digit_csv(bytes: usize, plant_every: u64, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(bytes + 256);
    out.extend_from_slice(b"txn_id,timestamp,account,amount,currency,reference,terminal,note\n");
    const NOTES: &[&str] = &["settled", "pending", "reversed", "settled; batch 20", "refund 3 of 4"];
    while out.len() < bytes {
        let note = if rng.below(plant_every) == 0 {
            format!("customer asked for a call back on {} {}", 5000 + rng.below(5000), 1000 + rng.below(9000))
        } else {
            NOTES[rng.below(NOTES.len() as u64) as usize].to_string()
        };
        let row = format!(
            "{},2024-{:02}-{:02} {:02}:{:02}:{:02},{:03}-{:06}-{:03},{}.{:02},HKD,{},{},{}\n",
            1_000_000_000 + rng.below(9_000_000_000),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(1000),
            rng.below(1_000_000),
            rng.below(1000),
            rng.below(100_000),
            rng.below(100),
            10_000_000 + rng.below(90_000_000),
            1000 + rng.below(9000),
            note
        );
        out.extend_from_slice(row.as_bytes());
    }
    out
}
