//! Property and table tests of the validators, run through the real engine and patterns so a
//! change to either is caught.

use govscan::detect::validate::hkid_check_char;
use govscan::detect::{ContextScope, Engine};
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("built-in patterns compile"))
}

/// The (detector id, matched text) pairs found in `text`.
fn found(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    engine().scan(text.as_bytes(), ContextScope::Block, &mut out);
    out.iter().map(|m| (engine().detectors()[m.detector].spec.id.clone(), text[m.start..m.end].to_string())).collect()
}

fn found_by(text: &str, id: &str) -> Vec<String> {
    found(text).into_iter().filter(|(d, _)| d == id).map(|(_, v)| v).collect()
}

fn hkid_strategy() -> impl Strategy<Value = (String, String)> {
    (
        prop::sample::select(vec![1usize, 2]),
        prop::collection::vec(b'A'..=b'Z', 2),
        prop::collection::vec(b'0'..=b'9', 6),
    )
        .prop_map(|(n, letters, digits)| {
            (String::from_utf8(letters[..n].to_vec()).unwrap(), String::from_utf8(digits).unwrap())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_valid_hkid_is_found_in_each_written_form((prefix, digits) in hkid_strategy()) {
        let check = hkid_check_char(prefix.as_bytes(), digits.as_bytes()).unwrap() as char;
        for form in [format!("{prefix}{digits}({check})"), format!("{prefix}{digits} ({check})"),
                     format!("{prefix}{digits}[{check}]"), format!("{prefix}{digits}{check}")] {
            let text = format!("Record: {form}.");
            prop_assert_eq!(found_by(&text, "hkid"), vec![form.clone()], "{}", text);
        }
    }

    #[test]
    fn every_single_character_change_to_a_valid_hkid_is_rejected(
        (prefix, digits) in hkid_strategy(), pos in 0usize..9, pick in 0usize..26 * 11
    ) {
        let check = hkid_check_char(prefix.as_bytes(), digits.as_bytes()).unwrap();
        let mut id: Vec<u8> = format!("{prefix}{digits}").into_bytes();
        id.push(check);
        let pos = pos % id.len();
        // Keep the shape: letters stay letters, digits stay digits, the check stays 0-9 or A
        // (drawn from the right alphabet, not filtered, so few cases are rejected).
        let is_check = pos == id.len() - 1;
        let replacement = if is_check {
            b"0123456789A"[pick % 11]
        } else if pos < prefix.len() {
            b'A' + (pick % 26) as u8
        } else {
            b'0' + (pick % 10) as u8
        };
        prop_assume!(id[pos] != replacement);
        // Letters 11 apart (A/L/W, B/M/X …) weigh the same mod 11: the check digit cannot tell
        // them apart, by design of the algorithm. Every other change must fail.
        let blind_spot = pos < prefix.len() && (i32::from(replacement) - i32::from(id[pos])) % 11 == 0;
        id[pos] = replacement;
        let (body, c) = id.split_at(id.len() - 1);
        let text = format!("HKID: {}({})", String::from_utf8_lossy(body), c[0] as char);
        prop_assert_eq!(found_by(&text, "hkid").is_empty(), !blind_spot, "{}", text);
    }

    #[test]
    fn full_width_forms_are_found_like_ascii((prefix, digits) in hkid_strategy()) {
        let check = hkid_check_char(prefix.as_bytes(), digits.as_bytes()).unwrap() as char;
        let ascii = format!("{prefix}{digits}({check})");
        let wide: String = ascii.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
        let text = format!("身份證號碼{wide}。");
        prop_assert_eq!(found_by(&text, "hkid"), vec![wide]);
    }
}

#[test]
fn hkid_without_check_digit_needs_context() {
    assert!(found_by("Part AB123456 shipped", "hkid").is_empty());
    assert_eq!(found_by("身份證號碼 AB123456", "hkid"), ["AB123456"]);
}

#[test]
fn hkid_is_not_found_inside_longer_codes() {
    for text in ["SKU XAB123456(9)", "A123456(3)7", "serial 1A123456(3)", "token ZA1234563Q"] {
        assert!(found_by(text, "hkid").is_empty(), "{text}");
    }
}

#[test]
fn phone_table() {
    let positives = [
        ("Tel: +852 9123 4567", "+852 9123 4567"),
        ("call (852) 2123-4567 now", "(852) 2123-4567"),
        ("852-91234567", "852-91234567"),
        ("00852 5123 4567", "00852 5123 4567"),
        ("手提：９１２３ ４５６７。", "９１２３ ４５６７"),
        ("mobile 6123-4567.", "6123-4567"),
        ("電話91234567", "91234567"),
        ("(+852) 3123 4567", "(+852) 3123 4567"),
        ("聯絡電話：９１２３－４５６７", "９１２３－４５６７"),
    ];
    for (text, want) in positives {
        assert_eq!(found_by(text, "hk_phone"), [want], "{text}");
    }
    let negatives = [
        "HK$91234567",
        "HK$ 9123 4567",
        "$ 9123-4567",
        "HKD 91234567",
        "港幣９１２３４５６７元",
        "price 9123 4567.89",
        "id 12345678901234",
        "date 20231231",
        "ISBN 9621234567",
        "ISBN 962-07-1234-5",
        "code 1234 5678",
        "number 2012 3456",
        "number 8512 3456",
        "number 9912 3456",
        "range 2019-2023",
        "ref 2023-1231-0001",
        "v1.9123 4567",
        "born 31122023",
    ];
    for text in negatives {
        assert!(found_by(text, "hk_phone").is_empty(), "{text}: {:?}", found_by(text, "hk_phone"));
    }
}

#[test]
fn date_like_numbers_need_context() {
    assert!(found_by("born 31122023", "hk_phone").is_empty());
    assert_eq!(found_by("電話 31122023", "hk_phone"), ["31122023"]);
}

#[test]
fn email_table() {
    let positives = [
        ("mail chan.taiman@example.com.hk.", "chan.taiman@example.com.hk"),
        ("tm.chan+jobs@mail.example.net", "tm.chan+jobs@mail.example.net"),
        ("電郵：ab@example.org。謝謝", "ab@example.org"),
        ("電郵至ｍａｒｙ＠ｅｘａｍｐｌｅ．ｈｋ。", "ｍａｒｙ＠ｅｘａｍｐｌｅ．ｈｋ"),
        ("<a href=\"mailto:x_y@sub.example.io\">", "x_y@sub.example.io"),
        ("(user@example.com)", "user@example.com"),
    ];
    for (text, want) in positives {
        assert_eq!(found_by(text, "email"), [want], "{text}");
    }
    for text in [
        "icon@2x.png",
        "follow @handle",
        "root@localhost",
        "a..b@example.com",
        "x@-bad.com",
        "@example.com",
        "styles@media.css",
    ] {
        assert!(found_by(text, "email").is_empty(), "{text}: {:?}", found_by(text, "email"));
    }
}

#[test]
fn copyright_table() {
    let positives = [
        (
            "Copyright © 2021-2024 Harbour Voices Ltd. All rights reserved.",
            "Copyright © 2021-2024 Harbour Voices Ltd. All rights reserved",
        ),
        ("Copyright (c) 2019 Example Co.", "Copyright (c) 2019 Example Co."),
        ("© Acme Corp", "© Acme Corp"),
        ("(c) 2020 Someone", "(c) 2020 Someone"),
        ("版權所有 © 2023 香港示例出版社，不得轉載。", "版權所有 © 2023 香港示例出版社"),
        ("All rights reserved.", "All rights reserved"),
        ("本書翻印必究", "翻印必究"),
        // A mention of the law is not a notice, but the notice after it on the same line is.
        (
            "Under the Copyright Ordinance, reuse is limited. Copyright 2022 Harbour Press Ltd.",
            "Copyright 2022 Harbour Press Ltd.",
        ),
    ];
    for (text, want) in positives {
        assert_eq!(found_by(text, "copyright_notice"), [want], "{text}");
    }
    for text in [
        "the Copyright Ordinance (Cap. 528)",
        "copyright law is complex",
        "items (a), (b) and (c) apply",
        "copyrighted",
        // The year is on the next line, outside the notice's reach.
        "Copyright\n2020 Someone",
    ] {
        assert!(found_by(text, "copyright_notice").is_empty(), "{text}: {:?}", found_by(text, "copyright_notice"));
    }
}

#[test]
fn licence_table() {
    let cases = [
        ("SPDX-License-Identifier: Apache-2.0 OR MIT", "spdx_license"),
        ("https://creativecommons.org/licenses/by-nc-sa/3.0/hk/", "creative_commons"),
        ("released as CC BY-ND 4.0.", "creative_commons"),
        ("Creative Commons Attribution-ShareAlike 4.0 International", "creative_commons"),
        ("創用CC 姓名標示-非商業性 3.0", "creative_commons"),
        ("dedicated via CC0", "creative_commons"),
    ];
    for (text, id) in cases {
        assert_eq!(found_by(text, id).len(), 1, "{text}: {:?}", found(text));
    }
    assert!(found_by("ACC BY the river", "creative_commons").is_empty());
}
