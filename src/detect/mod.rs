//! Detection: patterns and validators over text. Knows nothing about files or formats.

mod ceiling;
pub mod engine;
pub mod fold;
mod literals;
pub mod prefilter;
pub mod spec;
pub mod validate;

pub use engine::{ContextScope, Detector, Engine, FieldContext, FieldName, Match};
pub use prefilter::{DetectorSet, Prefilter};
pub use spec::{Category, DetectorSpec, SpecError};
pub use validate::{Detail, YearRange};
