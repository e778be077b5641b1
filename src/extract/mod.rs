//! TEMPORARY stub of the extraction API (replaced by the real extractors).
use serde::Serialize;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    DataType,
}
impl Kind {
    pub fn as_str(&self) -> &'static str {
        "data_type"
    }
}
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub kind: Kind,
    pub text: String,
    pub value: String,
    pub category: Option<String>,
    pub char_start: u32,
    pub char_end: u32,
    pub days_min: Option<i32>,
    pub days_max: Option<i32>,
}
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("x")]
    X,
}
pub struct Extractor;
impl Extractor {
    pub fn new() -> Result<Self, ExtractError> {
        Ok(Extractor)
    }
    pub fn with_lexicon(_p: &std::path::Path) -> Result<Self, ExtractError> {
        Ok(Extractor)
    }
    pub fn extract(&self, _text: &str, _h: &[String]) -> Vec<Entity> {
        Vec::new()
    }
}
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub controller: Vec<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub addresses: Vec<String>,
    pub data_types: Vec<String>,
    pub data_categories: Vec<String>,
    pub retention_days_min: Option<i32>,
    pub retention_days_max: Option<i32>,
    pub retention_qualitative: bool,
    pub response_days: Option<i32>,
    pub minor_age: Vec<i32>,
    pub court: Vec<String>,
    pub arbitration: Vec<String>,
    pub stored_in_china: Option<bool>,
    pub transfers_abroad: Option<bool>,
    pub updated: Option<String>,
}
pub fn summarize<'a>(_e: impl IntoIterator<Item = &'a Entity>) -> Summary {
    Summary::default()
}
