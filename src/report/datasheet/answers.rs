//! The answers only the data owner can give (motivation, collection, consent, retention,
//! contact), read from `datasheet.toml`. A missing answer stays an open item in the datasheet;
//! govscan never invents one.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    #[serde(default)]
    pub dataset: DatasetAnswers,
    #[serde(default)]
    pub motivation: Motivation,
    #[serde(default)]
    pub collection: Collection,
    #[serde(default)]
    pub preprocessing: Preprocessing,
    #[serde(default)]
    pub uses: Uses,
    #[serde(default)]
    pub distribution: Distribution,
    #[serde(default)]
    pub maintenance: Maintenance,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetAnswers {
    pub name: Option<String>,
    pub description: Option<String>,
    /// The licence the dataset as a whole is released under (an SPDX id), for the card.
    pub license: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Motivation {
    pub purpose: Option<String>,
    pub creators: Option<String>,
    pub funding: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    pub process: Option<String>,
    /// Why each kind of personal data in it is needed (DPP1: adequate, not excessive).
    pub necessity: Option<String>,
    pub sources: Option<String>,
    pub timeframe: Option<String>,
    pub notice: Option<String>,
    pub consent: Option<String>,
    pub ethics_review: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocessing {
    pub cleaning: Option<String>,
    pub redaction: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uses {
    pub intended: Option<String>,
    pub prohibited: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    pub how: Option<String>,
    pub licence_terms: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    pub contact: Option<String>,
    pub retention: Option<String>,
    pub erasure: Option<String>,
    pub access_requests: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AnswersError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse { path: String, source: Box<toml::de::Error> },
}

impl Answers {
    pub fn load(path: &Path) -> Result<Answers, AnswersError> {
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| AnswersError::Read { path: shown.clone(), source })?;
        toml::from_str(&text).map_err(|source| AnswersError::Parse { path: shown, source: Box::new(source) })
    }

    /// `datasheet.toml` in the first scanned folder that has one.
    pub fn find(roots: &[std::path::PathBuf]) -> Option<std::path::PathBuf> {
        roots.iter().map(|r| r.join("datasheet.toml")).find(|p| p.is_file())
    }
}

/// The commented template `govscan init` writes.
pub const TEMPLATE: &str = r#"# datasheet.toml: the answers only the data owner can give. govscan reads this file from the
# scanned folder (or from --answers) and puts the answers into the datasheet; every question
# left out is shown there as an open item. Write plain sentences; nothing here is checked.

[dataset]
# name = "Harbour Voices chat corpus"
# description = "Customer-service chats collected 2022-2024, for a Cantonese support model."
# license = "CC-BY-4.0"            # SPDX id of the licence the dataset is released under

[motivation]
# purpose = "Why was the dataset created, and for which task?"
# creators = "Who created it, on behalf of which entity?"
# funding = "Who funded it?"

[collection]
# process = "How was the data collected (API, crawler, forms, manual)?"
# necessity = "Why is each kind of personal data in it needed for the purpose (DPP1: not excessive)?"
# sources = "Where does it come from? Direct from the people, or third-party?"
# timeframe = "Over what period was it collected?"
# notice = "Were people told of the purpose and recipients (PDPO DPP1(3))? How?"
# consent = "Did they consent to this use, including AI training (DPP3)? How is consent recorded?"
# ethics_review = "Was there an ethics review or a privacy impact assessment? Where is it?"

[preprocessing]
# cleaning = "What was removed or fixed (duplicates, boilerplate)?"
# redaction = "How is personal data masked or removed before training?"

[uses]
# intended = "What may the dataset be used for?"
# prohibited = "What must it not be used for?"

[distribution]
# how = "Who receives it, and how?"
# licence_terms = "Under which terms?"

[maintenance]
# contact = "Who answers questions and data access requests? (DPP5, DPP6)"
# retention = "How long is it kept, and when is it deleted (DPP2(2))?"
# erasure = "How is a person's data found and erased on request (use the keyed fingerprints)?"
# access_requests = "How are data access and correction requests handled (DPP6)?"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_to_no_answers_and_answers_parse() {
        assert_eq!(toml::from_str::<Answers>(TEMPLATE).unwrap(), Answers::default());
        let a: Answers = toml::from_str("[maintenance]\ncontact = \"dpo@example.org\"\n").unwrap();
        assert_eq!(a.maintenance.contact.as_deref(), Some("dpo@example.org"));
        assert!(toml::from_str::<Answers>("[maintenance]\ncontcat = \"x\"\n").is_err(), "a misspelt key is an error");
    }
}
