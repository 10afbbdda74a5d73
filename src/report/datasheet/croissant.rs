//! `croissant.json`: MLCommons Croissant 1.0 metadata with the Responsible AI (RAI) fields
//! filled from the scan, so dataset hubs and ML tooling can read what the datasheet says.

use super::model::Datasheet;
use serde_json::{json, Value};

fn or_open(a: &Option<String>) -> String {
    a.clone().unwrap_or_else(|| "Open: not answered in datasheet.toml.".into())
}

pub fn render(d: &Datasheet) -> Value {
    let a = &d.answers;
    let pd = &d.personal_data;
    let found: Vec<String> = pd
        .detectors
        .iter()
        .filter(|r| r.occurrences > 0)
        .map(|r| {
            format!("{}: {} occurrences ({} distinct) in {} file(s)", r.name, r.occurrences, r.distinct_values, r.files)
        })
        .collect();
    let personal = if found.is_empty() {
        "govscan found no personal data of the scanned types (HKID, Hong Kong phone numbers, e-mail addresses)."
            .to_string()
    } else {
        format!(
            "govscan found: {}. {} record(s) hold several identifiers together ({} with an HKID).",
            found.join("; "),
            pd.co_occurring_records,
            pd.hkid_with_other
        )
    };
    let licences: Vec<String> = d.copyright.licences.iter().map(|l| l.id.clone()).collect();
    let file_sets: Vec<Value> = d
        .composition
        .formats
        .iter()
        .map(|f| {
            json!({
                "@type": "cr:FileSet",
                "@id": format!("files-{}", f.name.replace(' ', "-")),
                "name": format!("{} files", f.name),
                "description": format!("{} {} file(s) scanned by govscan", f.count, f.name),
            })
        })
        .collect();
    json!({
        "@context": {
            "@language": "en",
            "@vocab": "https://schema.org/",
            "cr": "http://mlcommons.org/croissant/",
            "rai": "http://mlcommons.org/croissant/RAI/",
            "dct": "http://purl.org/dc/terms/",
            "sc": "https://schema.org/"
        },
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": d.title,
        "description": a.dataset.description.clone().unwrap_or_else(|| format!("Datasheet made by {} from a scan of {}.", d.generator, d.title)),
        "license": a.dataset.license.clone().map_or(Value::Array(licences.iter().map(|l| json!(l)).collect()), |l| json!(l)),
        "inLanguage": d.composition.scripts.languages(),
        "distribution": file_sets,
        "rai:personalSensitiveInformation": personal,
        "rai:dataCollection": or_open(&a.collection.process),
        "rai:dataCollectionType": or_open(&a.collection.sources),
        "rai:dataCollectionTimeframe": or_open(&a.collection.timeframe),
        "rai:dataPreprocessingProtocol": or_open(&a.preprocessing.cleaning),
        "rai:dataUseCases": or_open(&a.uses.intended),
        "rai:dataLimitations": format!(
            "{} file(s) skipped and {} failed; {}% of files carry no copyright notice or licence.",
            d.composition.files_skipped, d.composition.files_failed, d.copyright.share_without_rights_signal
        ),
        "rai:dataSocialImpact": format!("Suggested risk tier for training: {} ({}).", d.risk.tier.label(), d.risk.reasons.join("; ")),
        "rai:dataReleaseMaintenancePlan": or_open(&a.maintenance.retention),
    })
}
